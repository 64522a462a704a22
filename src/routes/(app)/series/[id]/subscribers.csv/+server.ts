import type { RequestHandler } from './$types';
import { CSV_BOM, csvRow } from '$lib/server/csv';
import { serverCaller } from '$lib/server/trpc/router';

/** The subscriber list as CSV, through the same procedure (and ownership check) as the page. */
export const GET: RequestHandler = async (event) => {
	const caller = serverCaller(event);
	const [{ series }, people] = await Promise.all([
		caller.series.get({ id: event.params.id }),
		caller.subscribers.list({ seriesId: event.params.id, q: '' })
	]);
	const lines = [
		csvRow(['Name', 'Email', 'Phone', 'Status', 'Emails', 'Signed up']),
		...people.map((p) =>
			csvRow([
				p.name,
				p.email,
				p.phone,
				p.status,
				p.unsubscribedAt ? 'unsubscribed' : 'on',
				p.createdAt.toISOString()
			])
		)
	];
	return new Response(CSV_BOM + lines.join(''), {
		headers: {
			'content-type': 'text/csv; charset=utf-8',
			'content-disposition': `attachment; filename="${series.slug}-subscribers.csv"`,
			'cache-control': 'no-store'
		}
	});
};
