import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { PRACTICE } from '$lib/dependencies';
import { listClientsSchema } from '$lib/server/clients/schemas';
import { serverCaller } from '$lib/server/trpc/router';

export const load: PageServerLoad = async (event) => {
	event.depends(PRACTICE);
	const params = event.url.searchParams;
	const parsed = listClientsSchema.safeParse({
		q: params.get('q') ?? undefined,
		tag: params.get('tag') ?? undefined,
		show: ['active', 'archived', 'all'].includes(params.get('show') ?? '')
			? params.get('show')
			: undefined,
		cursor: params.get('cursor') ?? undefined
	});
	if (!parsed.success) error(400, 'This search or page link is not valid.');
	const filters = parsed.data;
	const caller = serverCaller(event);
	const [page, tags] = await Promise.all([caller.clients.list(filters), caller.clients.tags()]);
	return { ...page, tags, filters };
};
