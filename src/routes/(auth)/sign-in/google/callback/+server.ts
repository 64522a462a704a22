import { error, redirect } from '@sveltejs/kit';
import { TRPCError } from '@trpc/server';
import type { RequestHandler } from './$types';
import { GoogleLinkRefused, linkGoogle, signInWithGoogle } from '$lib/server/account/google';
import {
	CALLBACK_PATH,
	finishGoogleSignIn,
	googleConfigured,
	GoogleSignInRefused,
	type GoogleProfile
} from '$lib/server/auth/google';
import { forgetPending, keepPending, takeFlow } from '$lib/server/auth/google-cookies';
import { requestOrigin } from '$lib/server/config';
import { getDb } from '$lib/server/db';
import { safeRedirectTarget } from '$lib/server/redirects';
import { authCookieFor, clientOf } from '$lib/server/trpc/context';

/** Where Google sends the browser back, with a code for us or the reason it will not. */
export const GET: RequestHandler = async (event) => {
	if (!googleConfigured()) error(404, 'Not found');
	const db = getDb();
	const flow = await takeFlow(db, event);
	const noticePage = flow?.linkTo ? '/settings' : '/sign-in';
	if (!flow) redirect(303, `${noticePage}?google=expired`);

	// The address Google was told to come back to, which the token request must name again.
	const callback = new URL(CALLBACK_PATH, requestOrigin(event.url));
	callback.search = event.url.search;
	let profile: GoogleProfile;
	try {
		profile = await finishGoogleSignIn(callback, flow);
	} catch (refusal) {
		if (!(refusal instanceof GoogleSignInRefused)) throw refusal;
		redirect(303, `${noticePage}?google=${refusal.reason}`);
	}

	const client = clientOf(event);
	if (flow.linkTo) {
		if (!event.locals.user) redirect(303, '/sign-in?google=expired');
		// Signed in as someone else since: the link was asked for by the account that started it.
		if (event.locals.user.id !== flow.linkTo) redirect(303, '/settings?google=expired');
		try {
			await linkGoogle(db, flow.linkTo, profile, client);
		} catch (refusal) {
			if (refusal instanceof TRPCError && refusal.cause instanceof GoogleLinkRefused) {
				redirect(303, `/settings?google=${refusal.cause.reason}`);
			}
			throw refusal;
		}
		redirect(303, '/settings?google=linked');
	}

	let outcome;
	try {
		outcome = await signInWithGoogle(db, profile, client);
	} catch (refusal) {
		if (refusal instanceof TRPCError && refusal.code === 'TOO_MANY_REQUESTS') {
			redirect(303, '/sign-in?google=too-many');
		}
		throw refusal;
	}
	if (outcome.kind === 'signed-in') {
		forgetPending(event);
		authCookieFor(event).set(outcome.session.token, outcome.session.expiresAt);
		// Sealed, and made safe when the flow began; checked again all the same.
		redirect(303, safeRedirectTarget(flow.redirectTo));
	}
	keepPending(event, outcome.pendingToken);
	redirect(303, outcome.kind === 'new-account' ? '/sign-in/google/new' : '/sign-in?google=link');
};
