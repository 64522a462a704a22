import type { RequestEvent } from '@sveltejs/kit';
import { requestOrigin } from '../config';
import { getDb, type Db } from '../db';
import { AUTH_COOKIE, type Client, type SessionUser } from '../auth/session';
import type { AuthSession } from '../db/schema';

/** How procedures set and clear the sign-in cookie, whether called over HTTP or from a form action. */
export type AuthCookie = { set: (token: string, expiresAt: Date) => void; clear: () => void };

export type Context = {
	db: Db;
	user: SessionUser | null;
	authSession: AuthSession | null;
	client: Client;
	/** Where links in emails point, e.g. https://sessionboard.example.org */
	origin: string;
	authCookie: AuthCookie;
};

export function clientOf(event: Pick<RequestEvent, 'getClientAddress' | 'request'>): Client {
	let ip: string | null;
	try {
		ip = event.getClientAddress();
	} catch {
		ip = null;
	}
	return { ip, userAgent: event.request.headers.get('user-agent') };
}

export function authCookieFor(event: Pick<RequestEvent, 'cookies' | 'url'>): AuthCookie {
	// Secure whenever the app is served over HTTPS (ORIGIN https://… behind a proxy included). Not
	// over plain HTTP, where a browser would drop a Secure cookie and signing in from a tablet on
	// the local network (http://192.168.1.5:3000) could never work.
	const secure = event.url.protocol === 'https:';
	const options = { path: '/', httpOnly: true, sameSite: 'lax' as const, secure };
	return {
		set: (token, expiresAt) =>
			event.cookies.set(AUTH_COOKIE, token, { ...options, expires: expiresAt }),
		clear: () => event.cookies.delete(AUTH_COOKIE, options)
	};
}

export function createContext(event: RequestEvent): Context {
	return {
		db: getDb(),
		user: event.locals.user,
		authSession: event.locals.authSession,
		client: clientOf(event),
		origin: requestOrigin(event.url),
		authCookie: authCookieFor(event)
	};
}
