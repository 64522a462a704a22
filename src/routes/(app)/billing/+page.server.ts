import type { PageServerLoad } from './$types';
import { PRACTICE } from '$lib/dependencies';
import { periodQuery, shiftPeriod } from '$lib/server/billing/periods';
import { summaryView } from '$lib/server/billing/view';
import { serverCaller } from '$lib/server/trpc/router';

export const load: PageServerLoad = async (event) => {
	event.depends(PRACTICE);
	const [view, chart] = await Promise.all([
		summaryView(event),
		serverCaller(event).billing.chart()
	]);
	return {
		...view,
		chart,
		query: periodQuery(view.period),
		previousQuery: periodQuery(shiftPeriod(view.period, -1)),
		nextQuery: periodQuery(shiftPeriod(view.period, 1))
	};
};
