import { error, redirect } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { googleConfigured } from '$lib/server/auth/google';
import { leaveForGoogle } from '$lib/server/auth/google-cookies';
import { getDb } from '$lib/server/db';
import { safeRedirectTarget } from '$lib/server/redirects';

/**
 * Leaves for Google to sign in. A GET, like any link: nothing changes here until Google sends the
 * person back to the callback. Linking Google to a signed-in account starts from the settings
 * page's form instead, which another site cannot send.
 */
export const GET: RequestHandler = async (event) => {
	if (!googleConfigured()) error(404, 'Not found');
	if (event.locals.user) redirect(303, '/dashboard');
	return leaveForGoogle(
		getDb(),
		event,
		{ linkTo: null, redirectTo: safeRedirectTarget(event.url.searchParams.get('redirectTo')) },
		'/sign-in'
	);
};
