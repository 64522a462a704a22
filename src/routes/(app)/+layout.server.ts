import { redirect } from '@sveltejs/kit';
import type { LayoutServerLoad } from './$types';
import { hasPicture } from '$lib/server/account/picture';
import { getDb } from '$lib/server/db';
import { signInAddress } from '$lib/server/redirects';

export const load: LayoutServerLoad = async ({ locals, url }) => {
	if (!locals.user) {
		redirect(303, signInAddress(url));
	}
	return { user: locals.user, hasPicture: await hasPicture(getDb(), locals.user.id) };
};
