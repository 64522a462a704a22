import { redirect, type RequestEvent } from '@sveltejs/kit';
import { signInAddress } from '../redirects';
import { todayIn } from '../time-zones';
import { serverCaller } from '../trpc/router';
import { periodFromQuery } from './periods';

/**
 * The summary a billing address asks for, the page's and its CSV's alike: the period of
 * `?period=&from=&to=`, for the practice or, with `?client=`, for one client.
 */
export async function summaryView(event: RequestEvent) {
	// The CSV has no layout to send a signed-out visitor to sign in first.
	const user = event.locals.user;
	if (!user) redirect(303, signInAddress(event.url));
	const { period, problem } = periodFromQuery(event.url.searchParams, todayIn(user.timeZone));
	const range = { from: period.from, to: period.to };
	const clientId = event.url.searchParams.get('client');
	const billing = serverCaller(event).billing;
	if (clientId === null) {
		return { period, problem, client: null, ...(await billing.summary(range)) };
	}
	const client = await billing.clientSummary({ ...range, clientId });
	return { period, problem, client, practice: client.totals, clients: [client] };
}
