import { error } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { pictureOf } from '$lib/server/account/picture';
import { getDb } from '$lib/server/db';

/**
 * The signed-in person's own picture, copied from Google: served from here so that no page asks a
 * third party for it, and only to its owner (there is no address for anyone else's). Like every
 * answer to a signed-in person, it is kept by no cache (hooks.server.ts).
 */
export const GET: RequestHandler = async ({ locals }) => {
	if (!locals.user) error(404, 'Not found');
	const picture = await pictureOf(getDb(), locals.user.id);
	if (!picture) error(404, 'Not found');
	return new Response(new Uint8Array(picture.bytes), {
		headers: {
			'content-type': picture.contentType,
			'content-length': String(picture.bytes.length),
			'x-content-type-options': 'nosniff'
		}
	});
};
