import type { RequestEvent } from '@sveltejs/kit';
import { periodHolding } from '$lib/server/billing/periods';
import { todayIn } from '$lib/server/time-zones';

/** The statement an address asks for; without dates, this month's in the practitioner's zone. */
export function requestedStatement(event: Pick<RequestEvent, 'url' | 'params' | 'locals'>) {
	const query = event.url.searchParams;
	const thisMonth = periodHolding('month', todayIn(event.locals.user!.timeZone));
	return {
		clientId: event.params.clientId ?? '',
		from: query.get('from') ?? thisMonth.from,
		to: query.get('to') ?? thisMonth.to
	};
}
