import { sha256 } from '@oslojs/crypto/sha2';
import { constantTimeEqual } from '@oslojs/crypto/subtle';
import { encodeBase64urlNoPadding } from '@oslojs/encoding';
import type { Cookies } from '@sveltejs/kit';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { recordSecurityEvent } from '../../account/security-log';
import { hit, type Limit } from '../../auth/rate-limit';
import type { Client } from '../../auth/session';
import { open, seal, SealedValueRefused } from '../../crypto';
import type { Db } from '../../db';
import { reportUnexpected } from '../../unexpected';
import { authorizeUrl, currentUser, exchangeCode, zoomConfigured, ZoomError } from './client';
import { announceZoom, storeConnection } from './connection';
import { resyncMeetings } from './meetings';

/**
 * Connecting Zoom: OAuth's authorization code flow with `state` and PKCE. The state and the PKCE
 * verifier travel in a short-lived HttpOnly cookie, sealed with the auth session's id as associated
 * data, so that it opens only for the browser and sign-in that started the flow. Each state is
 * accepted once (a limit of one use, counted by its hash where rate limits are counted, on every
 * instance alike).
 */

export const STATE_COOKIE = 'zoom_oauth';
export const CALLBACK_PATH = '/settings/integrations/zoom/callback';
/** Long enough to sign in to Zoom and consent, short enough that a stale tab cannot finish. */
const STATE_SECONDS = 10 * 60;
const STATE_ONCE: Limit = { name: 'zoom-oauth-state', max: 1, windowSeconds: STATE_SECONDS };

export const redirectUriFor = (origin: string) => `${origin}${CALLBACK_PATH}`;

/** Sent back only to the callback's folder, over HTTPS when the app is served so. */
const cookieOptions = (url: URL) => ({
	path: '/settings/integrations/zoom',
	httpOnly: true,
	sameSite: 'lax' as const,
	secure: url.protocol === 'https:'
});

export function keepStateCookie(cookies: Cookies, url: URL, value: string): void {
	cookies.set(STATE_COOKIE, value, { ...cookieOptions(url), maxAge: STATE_SECONDS });
}

export function dropStateCookie(cookies: Cookies, url: URL): void {
	cookies.delete(STATE_COOKIE, cookieOptions(url));
}

const randomText = () => encodeBase64urlNoPadding(crypto.getRandomValues(new Uint8Array(32)));
const boundTo = (authSessionId: string) => `zoom-oauth:${authSessionId}`;

const pending = z.object({ state: z.string(), verifier: z.string(), issuedAt: z.number() });

/** Where to send the browser, and the cookie it must carry back to the callback. */
export function startAuthorization(authSessionId: string, origin: string) {
	if (!zoomConfigured()) {
		throw new TRPCError({
			code: 'PRECONDITION_FAILED',
			message: 'Zoom is not set up on this Sessionboard.'
		});
	}
	const state = randomText();
	const verifier = randomText();
	const codeChallenge = encodeBase64urlNoPadding(sha256(new TextEncoder().encode(verifier)));
	return {
		url: authorizeUrl({ state, codeChallenge, redirectUri: redirectUriFor(origin) }),
		cookie: seal(JSON.stringify({ state, verifier, issuedAt: Date.now() }), boundTo(authSessionId))
	};
}

/** Why the callback did not connect, as the settings page names it (`?zoom=`). */
export type CallbackOutcome =
	| 'connected'
	| 'denied'
	| 'missing'
	| 'foreign'
	| 'expired'
	| 'used'
	| 'refused'
	| 'unavailable'
	| 'not_configured';

/** The verifier of the flow this browser started, if `state` is that flow's and still fresh. */
async function verifierFor(
	db: Db,
	authSessionId: string,
	cookie: string | undefined,
	state: string | null
): Promise<{ verifier: string } | { refused: CallbackOutcome }> {
	if (!cookie || !state) return { refused: 'missing' };
	let started: z.infer<typeof pending>;
	try {
		started = pending.parse(JSON.parse(open(cookie, boundTo(authSessionId))));
	} catch (error) {
		// Another sign-in's (another browser's, another user's) or altered: not this flow.
		if (error instanceof SealedValueRefused || error instanceof SyntaxError) {
			return { refused: 'foreign' };
		}
		if (error instanceof z.ZodError) return { refused: 'foreign' };
		throw error;
	}
	const encode = (text: string) => new TextEncoder().encode(text);
	if (
		started.state.length !== state.length ||
		!constantTimeEqual(encode(started.state), encode(state))
	) {
		return { refused: 'foreign' };
	}
	if (Date.now() - started.issuedAt > STATE_SECONDS * 1000) return { refused: 'expired' };
	try {
		await hit(db, STATE_ONCE, state);
	} catch (error) {
		if (error instanceof TRPCError && error.code === 'TOO_MANY_REQUESTS') {
			return { refused: 'used' };
		}
		throw error;
	}
	return { verifier: started.verifier };
}

/**
 * Zoom sent the browser back. Checks that this browser's sign-in started the flow with this state,
 * exchanges the code, asks Zoom whose account it is and keeps the connection (tokens sealed), then
 * has the practitioner's Zoom sessions and dates get their meetings. Returns the outcome for the
 * page, and the reference of a failure logged.
 */
export async function finishAuthorization(
	db: Db,
	who: { userId: string; authSessionId: string; client: Client; origin: string },
	answer: {
		cookie: string | undefined;
		state: string | null;
		code: string | null;
		error: string | null;
	}
): Promise<{ outcome: CallbackOutcome; reference?: string }> {
	if (!zoomConfigured()) return { outcome: 'not_configured' };
	if (answer.error) return { outcome: answer.error === 'access_denied' ? 'denied' : 'refused' };
	const checked = await verifierFor(db, who.authSessionId, answer.cookie, answer.state);
	if ('refused' in checked) return { outcome: checked.refused };
	if (!answer.code) return { outcome: 'missing' };
	const code = answer.code;
	let connected: { zoomUserId: string; tokens: Awaited<ReturnType<typeof exchangeCode>> };
	try {
		const tokens = await exchangeCode({
			code,
			codeVerifier: checked.verifier,
			redirectUri: redirectUriFor(who.origin)
		});
		connected = { zoomUserId: (await currentUser(tokens.accessToken)).id, tokens };
	} catch (error) {
		if (!(error instanceof ZoomError)) throw error;
		const reference = reportUnexpected(error, 'Connecting Zoom');
		const outcome = ['unavailable', 'rate_limited'].includes(error.kind)
			? 'unavailable'
			: 'refused';
		return { outcome, reference };
	}
	await db.transaction(async (tx) => {
		await storeConnection(tx, who.userId, connected.zoomUserId, connected.tokens);
		await recordSecurityEvent(tx, who.userId, 'zoom_connected', who.client);
		await resyncMeetings(tx, who.userId);
	});
	announceZoom(who.userId);
	return { outcome: 'connected' };
}
