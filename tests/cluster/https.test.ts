/**
 * Behind TLS, as production runs it: a proxy ends TLS and the app, told by ORIGIN that it is served
 * over https, marks every cookie Secure and tells browsers to come back over https only (HSTS).
 * Over plain http — the app on a laptop, a tablet on the local network — it does neither: a
 * browser would drop a Secure cookie there, and HSTS would lock the host out of plain http.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOidc, type FakeOidc } from '../fakes/oidc';
import { startFakeZoom, type FakeZoom } from '../fakes/zoom';
import { signedUpPractitioner } from '../integration/support/browser';
import { useTestDatabase } from '../integration/support/database';
import { googleRoundTrip, HttpBrowser, newGoogleAccount } from '../integration/support/google';
import { freePort, startInstance, stopInstances, type Instance } from './support/instance';

let databaseUrl: string;
let people: Awaited<ReturnType<typeof useTestDatabase>>['db'];
let zoom: FakeZoom;
const googles: FakeOidc[] = [];

beforeAll(async () => {
	({ url: databaseUrl, db: people } = await useTestDatabase());
	zoom = await startFakeZoom();
});
afterAll(async () => {
	await stopInstances();
	await Promise.all(googles.map((google) => google.close()));
	await zoom?.stop();
});

/** Every answer the app gave, with the cookies it set, however the request was sent. */
class RecordingBrowser extends HttpBrowser {
	answers: Response[] = [];

	override async request(address: string | URL, init: RequestInit = {}): Promise<Response> {
		const response = await super.request(address, init);
		this.answers.push(response);
		return response;
	}
}

type Site = Instance & { site: string; google: FakeOidc };

/**
 * One instance of the app with Google sign-in and Zoom set up, which takes `origin` for its own:
 * it listens on 127.0.0.1 over plain http, as behind a proxy that ends TLS.
 */
async function instanceAt(scheme: 'http' | 'https'): Promise<Site> {
	const port = await freePort();
	const site = `${scheme}://127.0.0.1:${port}`;
	const google = await startFakeOidc({ redirectUris: [`${site}/sign-in/google/callback`] });
	googles.push(google);
	const instance = await startInstance({
		databaseUrl,
		port,
		env: {
			ORIGIN: site,
			GOOGLE_CLIENT_ID: google.clientId,
			GOOGLE_CLIENT_SECRET: google.clientSecret,
			GOOGLE_ISSUER: google.issuer,
			ZOOM_CLIENT_ID: zoom.clientId,
			ZOOM_CLIENT_SECRET: zoom.clientSecret,
			ZOOM_OAUTH_URL: zoom.url,
			ZOOM_API_URL: zoom.url,
			TOKEN_KEYS: randomBytes(32).toString('base64')
		}
	});
	return { ...instance, site, google };
}

/**
 * Everything that sets a cookie: signing in with a password, connecting Zoom, signing out, and a
 * new person's Google sign-in (its flow cookie, then the pending sign-up's). Answers every
 * response the app gave.
 */
async function everyCookieSetting(instance: Site): Promise<Response[]> {
	const browser = new RecordingBrowser();
	const { email, password } = await signedUpPractitioner(people);
	// The form post carries the Origin a browser on the site would send.
	const signedIn = await fetch(`${instance.origin}/sign-in`, {
		method: 'POST',
		headers: {
			origin: instance.site,
			accept: 'text/html',
			'content-type': 'application/x-www-form-urlencoded'
		},
		body: new URLSearchParams({ email, password }),
		redirect: 'manual'
	});
	expect(signedIn.status).toBe(303);
	const auth = signedIn.headers
		.getSetCookie()
		.find((line) => line.startsWith('sb_auth='))!
		.split(';')[0]!;
	const headers = { cookie: auth, origin: instance.site, accept: 'text/html' };
	const asSignedIn = (path: string) =>
		fetch(`${instance.origin}${path}`, { headers, redirect: 'manual' });
	const connect = await asSignedIn('/settings/integrations/zoom/connect');
	expect(connect.headers.get('location')).toMatch(new RegExp(`^${zoom.url}/oauth/authorize`));
	const dashboard = await asSignedIn('/dashboard');
	expect(dashboard.status).toBe(200);
	const signedOut = await fetch(`${instance.origin}/sign-out`, {
		method: 'POST',
		headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
		body: '',
		redirect: 'manual'
	});
	expect(signedOut.status).toBe(303);

	const { response } = await googleRoundTrip(
		{ origin: instance.origin, stop: async () => {} },
		browser,
		newGoogleAccount(instance.google),
		{ callback: (back) => new URL(back.pathname + back.search, instance.origin) }
	);
	expect(response.headers.get('location')).toContain('/sign-in/google/new');
	return [signedIn, connect, dashboard, signedOut, ...browser.answers];
}

const cookieNames = (answers: Response[]) =>
	new Set(answers.flatMap((a) => a.headers.getSetCookie().map((line) => line.split('=')[0])));

describe('the app behind a proxy that ends TLS', () => {
	it('served over https, every cookie it sets is Secure, HttpOnly and SameSite=Lax, and every answer carries HSTS', async () => {
		const instance = await instanceAt('https');
		const answers = await everyCookieSetting(instance);
		const static_ = await fetch(`${instance.origin}/favicon.svg`);
		expect(static_.status).toBe(200);
		answers.push(static_);

		expect(cookieNames(answers)).toEqual(
			new Set(['sb_auth', 'zoom_oauth', 'sb_google_flow', 'sb_google_pending'])
		);
		for (const line of answers.flatMap((a) => a.headers.getSetCookie())) {
			const attributes = line.split(';').map((part) => part.trim().toLowerCase());
			expect(attributes, line).toContain('secure');
			expect(attributes, line).toContain('httponly');
			expect(attributes, line).toContain('samesite=lax');
		}
		for (const answer of answers) {
			expect(answer.headers.get('strict-transport-security'), answer.url).toBe(
				'max-age=31536000; includeSubDomains'
			);
		}
		await instance.stop();
	});

	it('served over plain http, no answer carries HSTS', async () => {
		const instance = await instanceAt('http');
		const answers = await everyCookieSetting(instance);
		answers.push(await fetch(`${instance.origin}/favicon.svg`));
		for (const answer of answers) {
			expect(answer.headers.get('strict-transport-security'), answer.url).toBeNull();
			for (const line of answer.headers.getSetCookie()) {
				expect(line.toLowerCase(), line).not.toMatch(/;\s*secure/);
			}
		}
		await instance.stop();
	});
});
