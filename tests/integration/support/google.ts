import { afterAll } from 'vitest';
import { startFakeOidc, type FakeGoogleAccount, type FakeOidc } from '../../fakes/oidc';
import { startApp, type App } from './app-server';

const GOOGLE_ENV = ['GOOGLE_CLIENT_ID', 'GOOGLE_CLIENT_SECRET', 'GOOGLE_ISSUER'] as const;

type StoredCookie = { origin: string; path: string; name: string; value: string };

/**
 * A browser over HTTP for the app and the OpenID provider: keeps cookies per origin and path as a
 * browser would, follows no redirect by itself (each step is the test's to see), and sends an
 * Origin with its form posts as a browser does.
 */
export class HttpBrowser {
	cookies: StoredCookie[] = [];

	cookie(name: string): string | undefined {
		return this.cookies.find((cookie) => cookie.name === name)?.value;
	}

	async request(address: string | URL, init: RequestInit = {}): Promise<Response> {
		const url = new URL(address);
		const sent = this.cookies
			.filter((c) => c.origin === url.origin && url.pathname.startsWith(c.path))
			.map((c) => `${c.name}=${c.value}`)
			.join('; ');
		const headers = new Headers(init.headers);
		if (sent) headers.set('cookie', sent);
		if (init.method === 'POST') headers.set('origin', url.origin);
		// As a browser navigating: SvelteKit answers a form post that accepts JSON with JSON.
		if (!headers.has('accept')) headers.set('accept', 'text/html,*/*;q=0.8');
		const response = await fetch(url, { ...init, headers, redirect: 'manual' });
		for (const line of response.headers.getSetCookie()) this.keep(url, line);
		return response;
	}

	/** Posts a form's fields, as the page's form would without JavaScript. */
	post(address: string | URL, fields: Record<string, string>): Promise<Response> {
		return this.request(address, { method: 'POST', body: new URLSearchParams(fields) });
	}

	private keep(url: URL, line: string): void {
		const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
		const split = pair.indexOf('=');
		const name = pair.slice(0, split);
		const value = pair.slice(split + 1);
		let path = '/';
		let expired = value === '';
		for (const attribute of attributes) {
			const [key = '', setting = ''] = attribute.split('=');
			if (key.toLowerCase() === 'path') path = setting;
			if (key.toLowerCase() === 'max-age' && Number(setting) <= 0) expired = true;
			if (key.toLowerCase() === 'expires' && new Date(setting).getTime() <= Date.now()) {
				expired = true;
			}
		}
		this.cookies = this.cookies.filter(
			(c) => !(c.origin === url.origin && c.path === path && c.name === name)
		);
		if (!expired) this.cookies.push({ origin: url.origin, path, name, value });
	}
}

export function location(response: Response, base: string | URL): URL {
	const to = response.headers.get('location');
	if (!to) throw new Error(`Expected a redirect, got ${response.status}`);
	return new URL(to, base);
}

/**
 * The app served over HTTP with Google sign-in pointed at a real OpenID provider of its own
 * (tests/fakes/oidc.ts), registered with the app's callback address. Call useTestDatabase first.
 */
export async function useAppWithGoogle(): Promise<{ app: App; google: FakeOidc }> {
	const app = await startApp();
	const google = await startFakeOidc({
		redirectUris: [`${app.origin}/sign-in/google/callback`]
	});
	process.env.GOOGLE_CLIENT_ID = google.clientId;
	process.env.GOOGLE_CLIENT_SECRET = google.clientSecret;
	process.env.GOOGLE_ISSUER = google.issuer;
	afterAll(async () => {
		await app.stop();
		await google.close();
		for (const name of GOOGLE_ENV) delete process.env[name];
	});
	return { app, google };
}

let accounts = 0;
/** A Google account no test has used yet, with the fake's picture. */
export function newGoogleAccount(
	google: FakeOidc,
	overrides: Partial<FakeGoogleAccount> = {}
): FakeGoogleAccount {
	accounts += 1;
	return {
		sub: `10${Date.now()}${accounts}`,
		email: `google${accounts}-${Date.now()}@gmail.example`,
		email_verified: true,
		name: `Google Person ${accounts}`,
		picture: google.pictureUrl('avatar.png'),
		...overrides
	};
}

export type DanceOptions = {
	/** Link Google to the signed-in account, as the settings page's button does. */
	link?: boolean;
	/** What the browser does while away at Google (signs in as someone else…). */
	meanwhile?: () => void | Promise<void>;
	/** Changes the address the app sends the browser to (another nonce, another provider). */
	authorization?: (url: URL) => URL;
	/** Changes the address the provider sends the browser back with (another state, iss). */
	callback?: (url: URL) => URL;
	/** The person presses Cancel at Google. */
	cancel?: boolean;
};

/**
 * The whole round trip: the app's "Sign in with Google", the provider's sign-in page (a fresh
 * Google session each time, so the account typed is the one signed in), and back. Answers the
 * app's response to the callback: where it sends the browser next.
 */
export async function googleRoundTrip(
	app: App,
	browser: HttpBrowser,
	account: FakeGoogleAccount,
	options: DanceOptions = {}
): Promise<{ callback: URL; response: Response; next: URL }> {
	const start = options.link
		? await browser.post(`${app.origin}/settings?/linkGoogle`, {})
		: await browser.request(`${app.origin}/sign-in/google`);
	if (start.status !== 303) throw new Error(`The app answered ${start.status} to the start`);
	let authorization = location(start, app.origin);
	if (options.authorization) authorization = options.authorization(authorization);

	const atGoogle = new HttpBrowser();
	let response = await atGoogle.request(authorization);
	let at = authorization;
	// Redirects within the provider, until it sends the browser back to the app.
	const followWithin = async () => {
		while (response.status >= 300 && response.status < 400) {
			const next = location(response, at);
			if (next.origin !== authorization.origin) return next;
			at = next;
			response = await atGoogle.request(next);
		}
		return null;
	};
	let back = await followWithin();
	if (!back) {
		if (response.status !== 200) {
			throw new Error(`The provider answered ${response.status}: ${await response.text()}`);
		}
		const uid = at.pathname.split('/').pop();
		response = options.cancel
			? await atGoogle.post(new URL(`/interaction/${uid}/abort`, at), {})
			: await atGoogle.post(new URL(`/interaction/${uid}/login`, at), {
					sub: account.sub,
					email: account.email,
					...(account.email_verified ? { email_verified: 'true' } : {}),
					name: account.name,
					picture: account.picture ?? ''
				});
		at = new URL(`/interaction/${uid}/login`, at);
		back = await followWithin();
	}
	if (!back) throw new Error(`The provider did not send the browser back (${response.status})`);
	await options.meanwhile?.();
	const callback = options.callback ? options.callback(back) : back;
	const answer = await browser.request(callback);
	return { callback, response: answer, next: location(answer, app.origin) };
}
