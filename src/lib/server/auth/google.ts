import * as oidc from 'openid-client';
import { z } from 'zod';
import { isStorableText } from '../../validation';
import { config } from '../config';

/**
 * Google sign-in over OpenID Connect: the only code that speaks to Google (or to the OpenID
 * provider GOOGLE_ISSUER names instead, the tests' own). Authorization code with PKCE (S256),
 * `state` and `nonce`; openid-client checks the ID token's signature, audience and `iss`, and the
 * authorization response's `iss` (RFC 9207) against the discovered issuer.
 */

const GOOGLE = 'https://accounts.google.com';
/** Google's answers within this, or the person sees "try again" rather than a hanging page. */
const TIMEOUT_SECONDS = 10;
/** The browser's part of one sign-in, kept in a cookie until Google sends the person back. */
export const GOOGLE_FLOW_COOKIE = 'sb_google_flow';
export const FLOW_LIFETIME_SECONDS = 10 * 60;
/** A sign-in back from Google waits this long for the age step or the account's password. */
export const PENDING_LIFETIME_SECONDS = 15 * 60;
export const CALLBACK_PATH = '/sign-in/google/callback';

export function googleConfigured(): boolean {
	const { GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET } = config();
	return Boolean(GOOGLE_CLIENT_ID && GOOGLE_CLIENT_SECRET);
}

function issuer(): URL {
	return new URL(config().GOOGLE_ISSUER ?? GOOGLE);
}

/** The provider GOOGLE_ISSUER names in Google's place (the tests' own), or null for Google. */
export function standInIssuer(): URL | null {
	const at = issuer();
	return at.origin !== GOOGLE ? at : null;
}

/**
 * A stand-in provider over plain HTTP (the tests' local one) is the only place anything of this
 * sign-in may travel unencrypted; Google itself is always HTTPS.
 */
export function insecureStandInHost(): string | null {
	const at = standInIssuer();
	return at?.protocol === 'http:' ? at.hostname : null;
}

let discovered: { key: string; configuration: Promise<oidc.Configuration> } | undefined;

/** The provider's metadata and keys, fetched once per configuration (tests change it per file). */
function configuration(): Promise<oidc.Configuration> {
	const { GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET } = config();
	if (!GOOGLE_CLIENT_ID || !GOOGLE_CLIENT_SECRET) throw new Error('Google sign-in is not set up');
	const key = [issuer().href, GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET].join('\u0000');
	if (discovered?.key !== key) {
		const configuration = oidc.discovery(
			issuer(),
			GOOGLE_CLIENT_ID,
			GOOGLE_CLIENT_SECRET,
			undefined,
			{
				timeout: TIMEOUT_SECONDS,
				execute: insecureStandInHost() ? [oidc.allowInsecureRequests] : []
			}
		);
		discovered = { key, configuration };
		// A failed discovery (Google unreachable for a moment) is tried again next time.
		configuration.catch(() => {
			if (discovered?.configuration === configuration) discovered = undefined;
		});
	}
	return discovered.configuration;
}

/** What the browser keeps between leaving for Google and coming back. */
const flowSchema = z.object({
	state: z.string().min(1),
	nonce: z.string().min(1),
	verifier: z.string().min(1),
	/**
	 * Linking Google to the account of this id, signed in when the link was asked for, rather
	 * than signing in with it: the callback links only to that same account.
	 */
	linkTo: z.string().nullable(),
	/** Where to go after signing in. */
	redirectTo: z.string()
});
export type GoogleFlow = z.infer<typeof flowSchema>;

export function serializeFlow(flow: GoogleFlow): string {
	return Buffer.from(JSON.stringify(flow)).toString('base64url');
}

/** `serialized`: as serializeFlow made it, its seal already checked (see google-cookies.ts). */
export function parseFlow(serialized: string | null): GoogleFlow | null {
	if (!serialized) return null;
	try {
		const parsed = flowSchema.safeParse(
			JSON.parse(Buffer.from(serialized, 'base64url').toString())
		);
		return parsed.success ? parsed.data : null;
	} catch {
		return null;
	}
}

/** The address at Google to send the browser to, and the flow it must keep until it comes back. */
export async function startGoogleSignIn(
	origin: string,
	intent: { linkTo: string | null; redirectTo: string }
): Promise<{ url: URL; flow: GoogleFlow }> {
	const verifier = oidc.randomPKCECodeVerifier();
	const flow: GoogleFlow = {
		state: oidc.randomState(),
		nonce: oidc.randomNonce(),
		verifier,
		...intent
	};
	const url = oidc.buildAuthorizationUrl(await configuration(), {
		redirect_uri: `${origin}${CALLBACK_PATH}`,
		scope: 'openid email profile',
		response_type: 'code',
		code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
		code_challenge_method: 'S256',
		state: flow.state,
		nonce: flow.nonce
	});
	return { url, flow };
}

/** Why a sign-in with Google did not happen, in words the sign-in page shows as they are. */
export type GoogleRefusal = 'cancelled' | 'failed' | 'unavailable' | 'no-email' | 'unverified';

export class GoogleSignInRefused extends Error {
	constructor(readonly reason: GoogleRefusal) {
		super(`Google sign-in refused: ${reason}`);
	}
}

const claimsSchema = z.object({
	sub: z.string().min(1).max(255),
	email: z.string().trim().toLowerCase().max(254).pipe(z.email()),
	email_verified: z.boolean().default(false),
	name: z.string().optional(),
	picture: z.string().max(2048).optional()
});

/** Who Google says signed in: only what the ID token carries, signed by Google. */
export type GoogleProfile = {
	subject: string;
	email: string;
	emailVerified: boolean;
	name: string;
	pictureUrl: string | null;
};

function displayName(name: string | undefined, email: string): string {
	const cleaned = (name ?? '').trim().slice(0, 100);
	return cleaned && isStorableText(cleaned) ? cleaned : email.split('@')[0]!;
}

/**
 * Finishes a sign-in where Google sent the browser back: `callback` is the address it came back
 * to (our public callback address with Google's query). Checks state, nonce, PKCE and issuer and
 * returns who signed in, or throws GoogleSignInRefused; Google's own words are never passed on.
 */
export async function finishGoogleSignIn(callback: URL, flow: GoogleFlow): Promise<GoogleProfile> {
	if (callback.searchParams.get('error') === 'access_denied') {
		throw new GoogleSignInRefused('cancelled');
	}
	let claims: oidc.IDToken | undefined;
	try {
		const tokens = await oidc.authorizationCodeGrant(await configuration(), callback, {
			pkceCodeVerifier: flow.verifier,
			expectedState: flow.state,
			expectedNonce: flow.nonce,
			idTokenExpected: true
		});
		claims = tokens.claims();
	} catch (error) {
		// The provider unreachable or answering nonsense is not the person's doing.
		const unreachable =
			error instanceof TypeError ||
			(error instanceof Error && ['TimeoutError', 'AbortError'].includes(error.name)) ||
			(error instanceof oidc.ResponseBodyError && error.status >= 500);
		throw new GoogleSignInRefused(unreachable ? 'unavailable' : 'failed');
	}
	const parsed = claimsSchema.safeParse(claims);
	if (!parsed.success) {
		throw new GoogleSignInRefused(claims?.email ? 'failed' : 'no-email');
	}
	const { sub, email, email_verified, name, picture } = parsed.data;
	// An address Google has not verified may be anyone's: it neither makes, links nor opens an
	// account here, or whoever typed it at Google would hold the account of its real owner.
	if (email_verified !== true) throw new GoogleSignInRefused('unverified');
	return {
		subject: sub,
		email,
		emailVerified: email_verified,
		name: displayName(name, email),
		pictureUrl: picture ?? null
	};
}
