import { error } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { serverCaller } from '$lib/server/trpc/router';
import { feedToken } from '$lib/server/calendar/schemas';

/** Whether the client's cached copy (If-None-Match: a list of ETags, or *) is still the feed. */
function stillFresh(ifNoneMatch: string | null, etag: string): boolean {
	if (!ifNoneMatch) return false;
	return ifNoneMatch
		.split(',')
		.map((tag) => tag.trim().replace(/^W\//, ''))
		.some((tag) => tag === etag || tag === '*');
}

/**
 * The practitioner's calendar feed for calendar apps, which send no cookie: the token in the
 * address is the credential. A token that is malformed, old or never issued is the same 404.
 */
export const GET: RequestHandler = async (event) => {
	const input = feedToken.safeParse({ token: event.params.token });
	if (!input.success) error(404, 'Not found');
	const { body, etag } = await serverCaller(event).calendar.feed(input.data);
	const headers = {
		etag,
		// Calendar apps keep the copy and ask again with If-None-Match; no shared cache may keep it.
		'cache-control': 'private, no-cache',
		'referrer-policy': 'no-referrer'
	};
	if (stillFresh(event.request.headers.get('if-none-match'), etag)) {
		return new Response(null, { status: 304, headers });
	}
	return new Response(body, {
		headers: { ...headers, 'content-type': 'text/calendar; charset=utf-8' }
	});
};
