import type { RequestHandler } from './$types';
import { csvDownload } from '$lib/server/csv';
import { serverCaller } from '$lib/server/trpc/router';

export const GET: RequestHandler = async (event) =>
	csvDownload('sessions.csv', await serverCaller(event).exports.sessions());
