import { redirect } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { keepStateCookie, startAuthorization } from '$lib/server/integrations/zoom/authorization';
import { zoomConfigured } from '$lib/server/integrations/zoom/client';
import { signInAddress } from '$lib/server/redirects';
import { createContext } from '$lib/server/trpc/context';

/** Off to Zoom's consent page, with a fresh state and PKCE verifier kept for the callback. */
export const GET: RequestHandler = (event) => {
	const { authSession, origin } = createContext(event);
	if (!authSession) redirect(303, signInAddress(event.url));
	// The page says which variables are missing.
	if (!zoomConfigured()) redirect(303, '/settings/integrations');
	const { url, cookie } = startAuthorization(authSession.id, origin);
	keepStateCookie(event.cookies, event.url, cookie);
	redirect(303, url);
};
