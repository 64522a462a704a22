import type { RequestEvent } from '@sveltejs/kit';
import { monthPeriod } from '$lib/periods';
import { todayIn } from '$lib/server/time-zones';

/** The statement an address asks for; without dates, this month's in the practitioner's zone. */
export function requestedStatement(event: Pick<RequestEvent, 'url' | 'params' | 'locals'>) {
	const query = event.url.searchParams;
	const thisMonth = monthPeriod(todayIn(event.locals.user!.timeZone).slice(0, 7));
	return {
		clientId: event.params.clientId ?? '',
		from: query.get('from') ?? thisMonth.from,
		to: query.get('to') ?? thisMonth.to
	};
}
