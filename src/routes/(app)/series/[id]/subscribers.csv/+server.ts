import type { RequestHandler } from './$types';
import { csvDownload } from '$lib/server/csv';
import { serverCaller } from '$lib/server/trpc/router';

/** The subscriber list as CSV; the procedure checks that the series is the caller's. */
export const GET: RequestHandler = async (event) => {
	const caller = serverCaller(event);
	const [{ series }, records] = await Promise.all([
		caller.series.get({ id: event.params.id }),
		caller.exports.subscribers({ seriesId: event.params.id })
	]);
	return csvDownload(`${series.slug}-subscribers.csv`, records);
};
