import { redirect, type Cookies, type RequestEvent } from '@sveltejs/kit';
import { requestOrigin } from '../config';
import type { Db } from '../db';
import { seal, unseal } from '../signed-links';
import {
	FLOW_LIFETIME_SECONDS,
	GOOGLE_FLOW_COOKIE,
	parseFlow,
	PENDING_LIFETIME_SECONDS,
	serializeFlow,
	startGoogleSignIn
} from './google';
import type { GoogleFlow } from './google';

/** A Google sign-in waiting for the age step or for the account's password. */
const GOOGLE_PENDING_COOKIE = 'sb_google_pending';

/**
 * Like the sign-in cookie (trpc/context.ts): HttpOnly, SameSite=Lax (sent when Google sends the
 * browser back, a top-level GET), Secure whenever the app is served over HTTPS; short-lived, and
 * only on the paths that read it.
 */
function options(event: Pick<RequestEvent, 'url'>, path: string) {
	return {
		path,
		httpOnly: true,
		sameSite: 'lax' as const,
		secure: event.url.protocol === 'https:'
	};
}

const FLOW_PATH = '/sign-in/google';
const PENDING_PATH = '/sign-in';

type FlowEvent = Pick<RequestEvent, 'url' | 'cookies'>;

/** Sealed: the browser keeps the flow but cannot change where it leads or whose link it is. */
async function keepFlow(db: Db, event: FlowEvent, flow: GoogleFlow): Promise<void> {
	event.cookies.set(GOOGLE_FLOW_COOKIE, await seal(db, 'google-flow', serializeFlow(flow)), {
		...options(event, FLOW_PATH),
		maxAge: FLOW_LIFETIME_SECONDS
	});
}

/** The flow the browser kept, deleted at once: a callback can be answered only once. */
export async function takeFlow(db: Db, event: FlowEvent): Promise<GoogleFlow | null> {
	const sealed = event.cookies.get(GOOGLE_FLOW_COOKIE);
	event.cookies.delete(GOOGLE_FLOW_COOKIE, options(event, FLOW_PATH));
	return sealed ? parseFlow(await unseal(db, 'google-flow', sealed)) : null;
}

/**
 * Sends the browser to Google, keeping the flow until it comes back; `noticePage` says that
 * Google could not be reached (its discovery document could not be had).
 */
export async function leaveForGoogle(
	db: Db,
	event: FlowEvent,
	intent: { linkTo: string | null; redirectTo: string },
	noticePage: string
): Promise<never> {
	let started;
	try {
		started = await startGoogleSignIn(requestOrigin(event.url), intent);
	} catch {
		redirect(303, `${noticePage}?google=unavailable`);
	}
	await keepFlow(db, event, started.flow);
	redirect(303, started.url.href);
}

export function keepPending(event: Pick<RequestEvent, 'url' | 'cookies'>, token: string): void {
	event.cookies.set(GOOGLE_PENDING_COOKIE, token, {
		...options(event, PENDING_PATH),
		maxAge: PENDING_LIFETIME_SECONDS
	});
}

export function pendingToken(cookies: Pick<Cookies, 'get'>): string | undefined {
	return cookies.get(GOOGLE_PENDING_COOKIE);
}

export function forgetPending(event: Pick<RequestEvent, 'url' | 'cookies'>): void {
	event.cookies.delete(GOOGLE_PENDING_COOKIE, options(event, PENDING_PATH));
}
