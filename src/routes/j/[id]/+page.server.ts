import { error, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import type { PageServerLoad } from './$types';
import { serverCaller } from '$lib/server/trpc/router';

/**
 * The join link in emails and on the self-service page: it leads to the date's meeting as it is
 * now, so a meeting made again later needs no new email. Only for whom it was made (see
 * joinLinkOf); to anyone else it says nothing, not even whether the date exists.
 */
export const load: PageServerLoad = async (event) => {
	const id = z.uuid().safeParse(event.params.id);
	if (!id.success) error(404, 'This link is not valid.');
	const key = event.url.searchParams.get('k');
	const link = await serverCaller(event).meetings.joinLink({
		id: id.data,
		key: key && key.length <= 200 ? key : null
	});
	if (!link) error(404, 'This link is not valid.');
	event.setHeaders({ 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
	if ('go' in link) redirect(302, link.go);
	return {
		cancelled: 'cancelled' in link,
		failed: 'failed' in link,
		elsewhere: 'elsewhere' in link ? link.elsewhere : null
	};
};
