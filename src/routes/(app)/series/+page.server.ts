import type { PageServerLoad } from './$types';
import { PRACTICE } from '$lib/dependencies';
import { serverCaller } from '$lib/server/trpc/router';

export const load: PageServerLoad = async (event) => {
	event.depends(PRACTICE);
	return { series: await serverCaller(event).series.list() };
};
