import { redirect } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import {
	dropStateCookie,
	finishAuthorization,
	STATE_COOKIE
} from '$lib/server/integrations/zoom/authorization';
import { signInAddress } from '$lib/server/redirects';
import { createContext } from '$lib/server/trpc/context';

/**
 * Zoom's redirect after consent (or refusal). The outcome goes to the settings page, which says
 * it in words; the code never stays in the address bar or the history.
 */
export const GET: RequestHandler = async (event) => {
	const { db, user, authSession, client, origin } = createContext(event);
	if (!user || !authSession) redirect(303, signInAddress(event.url));
	const params = event.url.searchParams;
	const cookie = event.cookies.get(STATE_COOKIE);
	// Whatever happens next, this flow is over: a second callback has to start again.
	dropStateCookie(event.cookies, event.url);
	const { outcome, reference } = await finishAuthorization(
		db,
		{ userId: user.id, authSessionId: authSession.id, client, origin },
		{ cookie, state: params.get('state'), code: params.get('code'), error: params.get('error') }
	);
	const query = new URLSearchParams({ zoom: outcome, ...(reference ? { ref: reference } : {}) });
	redirect(303, `/settings/integrations?${query}`);
};
