import { error } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { getDb } from '$lib/server/db';
import { seriesSlug } from '$lib/server/subscribers/schemas';
import { publicPicture } from '$lib/server/subscribers/service';

/**
 * The practitioner's picture on their signup page, for visitors and link previews: only once they
 * chose "Show my picture on my signup pages" in Settings → Practice, and a 404 otherwise, the same
 * as for a series that does not exist. Binary, so read directly and not through tRPC (like
 * /account/picture).
 */
export const GET: RequestHandler = async ({ params, setHeaders }) => {
	const slug = seriesSlug.safeParse(params.slug);
	const picture = slug.success ? await publicPicture(getDb(), slug.data) : null;
	if (!picture) error(404, 'Not found');
	// A short cache: turning the choice off takes effect within minutes everywhere.
	setHeaders({ 'cache-control': 'public, max-age=300' });
	return new Response(new Uint8Array(picture.bytes), {
		headers: {
			'content-type': picture.contentType,
			'content-length': String(picture.bytes.length),
			'x-content-type-options': 'nosniff'
		}
	});
};
