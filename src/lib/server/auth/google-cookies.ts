import type { Cookies, RequestEvent } from '@sveltejs/kit';
import { FLOW_LIFETIME_SECONDS, GOOGLE_FLOW_COOKIE, parseFlow, serializeFlow } from './google';
import type { GoogleFlow } from './google';

/** A Google sign-in waiting for the age step or for the account's password. */
const GOOGLE_PENDING_COOKIE = 'sb_google_pending';
const PENDING_LIFETIME_SECONDS = 15 * 60;

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

export function keepFlow(event: Pick<RequestEvent, 'url' | 'cookies'>, flow: GoogleFlow): void {
	event.cookies.set(GOOGLE_FLOW_COOKIE, serializeFlow(flow), {
		...options(event, FLOW_PATH),
		maxAge: FLOW_LIFETIME_SECONDS
	});
}

/** The flow the browser kept, deleted at once: a callback can be answered only once. */
export function takeFlow(event: Pick<RequestEvent, 'url' | 'cookies'>): GoogleFlow | null {
	const flow = parseFlow(event.cookies.get(GOOGLE_FLOW_COOKIE));
	event.cookies.delete(GOOGLE_FLOW_COOKIE, options(event, FLOW_PATH));
	return flow;
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
