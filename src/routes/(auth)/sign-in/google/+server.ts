import { error, redirect } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { googleConfigured, startGoogleSignIn } from '$lib/server/auth/google';
import { keepFlow } from '$lib/server/auth/google-cookies';
import { config } from '$lib/server/config';
import { safeRedirectTarget } from '$lib/server/redirects';

/**
 * Leaves for Google: to sign in, or (`?link`, signed in) to link a Google account to this one.
 * A GET, like any link: a form's answer leading to Google would have to be allowed by the CSP's
 * form-action, and nothing changes here until Google sends the person back to the callback.
 */
export const GET: RequestHandler = async (event) => {
	if (!googleConfigured()) error(404, 'Not found');
	const { url, locals } = event;
	const link = url.searchParams.has('link');
	if (link && !locals.user) redirect(303, '/sign-in');
	if (!link && locals.user) redirect(303, '/dashboard');
	let started;
	try {
		started = await startGoogleSignIn(config().ORIGIN ?? url.origin, {
			link,
			redirectTo: link ? '/settings' : safeRedirectTarget(url.searchParams.get('redirectTo'))
		});
	} catch {
		// The provider's discovery document could not be had: nothing the person can fix.
		redirect(303, link ? '/settings?google=unavailable' : '/sign-in?google=unavailable');
	}
	keepFlow(event, started.flow);
	redirect(303, started.url.href);
};
