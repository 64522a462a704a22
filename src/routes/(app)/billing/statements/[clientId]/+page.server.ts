import type { PageServerLoad } from './$types';
import { PRACTICE } from '$lib/dependencies';
import { serverCaller } from '$lib/server/trpc/router';
import { requestedStatement } from './statement-period';

export const load: PageServerLoad = async (event) => {
	event.depends(PRACTICE);
	return { statement: await serverCaller(event).statements.get(requestedStatement(event)) };
};
