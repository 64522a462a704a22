import type { PageServerLoad } from './$types';
import { PRACTICE } from '$lib/dependencies';
import { listClientsSchema } from '$lib/server/clients/schemas';
import { serverCaller } from '$lib/server/trpc/router';

export const load: PageServerLoad = async (event) => {
	event.depends(PRACTICE);
	const params = event.url.searchParams;
	const filters = listClientsSchema.parse({
		q: params.get('q') ?? undefined,
		tag: params.get('tag') ?? undefined,
		show: ['active', 'archived', 'all'].includes(params.get('show') ?? '')
			? params.get('show')
			: undefined,
		cursor: params.get('cursor') ?? undefined
	});
	const caller = serverCaller(event);
	const [page, tags] = await Promise.all([caller.clients.list(filters), caller.clients.tags()]);
	return { ...page, tags, filters };
};
