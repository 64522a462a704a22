import type { PageServerLoad } from './$types';
import { stepPeriod, viewSpan, VIEWS, type View } from '$lib/components/calendar/grid-time';
import { PRACTICE } from '$lib/dependencies';
import { todayIn } from '$lib/server/time-zones';
import { serverCaller } from '$lib/server/trpc/router';
import { localDate } from '$lib/validation';

export const load: PageServerLoad = async (event) => {
	event.depends(PRACTICE);
	const user = event.locals.user!;
	const today = todayIn(user.timeZone);
	const params = event.url.searchParams;
	const asked = params.get('view');
	const view: View = VIEWS.find((v) => v === asked) ?? 'week';
	const askedDate = localDate.safeParse(params.get('date'));
	const date = askedDate.success ? askedDate.data : today;
	const span = viewSpan(view, date);
	const caller = serverCaller(event);
	const [shown, todays] = await Promise.all([
		caller.calendarGrid.range(span),
		caller.calendarGrid.range({ from: today, days: 1 })
	]);
	return {
		view,
		date,
		...span,
		today,
		previous: stepPeriod(view, date, -1),
		next: stepPeriod(view, date, 1),
		timeZone: user.timeZone,
		dayStartsAt: user.dayStartsAt,
		dayEndsAt: user.dayEndsAt,
		...shown,
		todays
	};
};
