import { redirect } from '@sveltejs/kit';
import type { LayoutServerLoad } from './$types';
import { signInAddress } from '$lib/server/redirects';

export const load: LayoutServerLoad = ({ locals, url }) => {
	if (!locals.user) {
		redirect(303, signInAddress(url));
	}
	return { user: locals.user };
};
