import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ICS_MAX_CHARS } from '../../src/lib/server/calendar/schemas';
import type { Database } from '../../src/lib/server/db';
import { openOutbox } from '../../src/lib/server/email/outbox-access';
import { startApp, type App } from './support/app-server';
import { signedUpPractitioner, STRONG_PASSWORD } from './support/browser';
import { tokenOf } from './support/calendar';
import { useTestDatabase } from './support/database';
import { publishedSeries } from './support/series';

let db: Database;
let app: App;
let cookie: string;
let seriesId: string;
let feedPath: string;

beforeAll(async () => {
	({ db } = await useTestDatabase());
	app = await startApp();
	const { browser } = await signedUpPractitioner(db);
	cookie = `sb_auth=${browser.token}`;
	const api = await browser.api();
	seriesId = (await publishedSeries(api)).id;
	feedPath = new URL((await api.calendar.issueFeed()).url).pathname;
});
afterAll(() => app?.stop());

/** A request as a browser on the app's own origin sends it: a form post carries the Origin. */
function request(path: string, init: RequestInit & { signedIn?: boolean } = {}) {
	const headers = new Headers(init.headers);
	headers.set('origin', app.origin);
	if (init.signedIn) headers.set('cookie', cookie);
	return fetch(`${app.origin}${path}`, { redirect: 'manual', ...init, headers });
}

/** A form sent without JavaScript: the browser asks for a page back. */
function form(fields: Record<string, string>) {
	return {
		method: 'POST',
		headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
		body: new URLSearchParams(fields).toString()
	};
}

describe('an unexpected error (a query the database refuses)', () => {
	let logged: unknown[][];
	beforeAll(async () => {
		await db.execute(sql`
			create function refuse_new_users() returns trigger language plpgsql as
			$$ begin raise exception 'no new users today'; end $$`);
	});
	afterEach(() => vi.restoreAllMocks());

	function captureLog() {
		logged = [];
		vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => logged.push(args));
	}

	/** Every sign-up fails in its insert into users, whose bound values hold the new password hash. */
	async function whileSignUpsFail(run: () => Promise<void>) {
		await db.execute(sql`
			create trigger refuse_new_users before insert on users
			for each row execute function refuse_new_users()`);
		try {
			await run();
		} finally {
			await db.execute(sql`drop trigger refuse_new_users on users`);
		}
	}

	/** With a table gone for a moment, so that queries on it fail. */
	async function whileTableIsAway(table: string, run: () => Promise<void>) {
		await db.execute(sql.raw(`alter table ${table} rename to ${table}_away`));
		try {
			await run();
		} finally {
			await db.execute(sql.raw(`alter table ${table}_away rename to ${table}`));
		}
	}

	/**
	 * The body names only a reference, with no SQL, bound values or stack; the server log has
	 * the error under the same reference.
	 */
	function expectOnlyAReference(body: string) {
		const reference = body.match(/Something went wrong \(ref ([0-9a-f]{8})\)/)?.[1];
		expect(reference, body).toBeDefined();
		for (const leak of [
			/Failed query/i,
			/insert into|select |from "/i,
			/params:/,
			/argon2/i,
			/no new users today|does not exist/,
			/\bat .*\.[jt]s:\d+:\d+/
		]) {
			expect(body).not.toMatch(leak);
		}
		const log = logged.map((args) => args.map((arg) => inspect(arg)).join(' ')).join('\n');
		expect(log).toContain(`[ref ${reference}]`);
		expect(log).toContain('Failed query');
	}

	const signUp = (email: string) => ({
		name: 'Robin Example',
		email,
		password: STRONG_PASSWORD,
		ageConfirmed: 'on',
		timeZone: 'Europe/Berlin'
	});

	it('in a form action: the sign-up page says only "Something went wrong (ref …)"', async () => {
		await whileSignUpsFail(async () => {
			captureLog();
			const response = await request('/sign-up', form(signUp('form@example.com')));
			expect(response.status).toBe(500);
			expectOnlyAReference(await response.text());
		});
	});

	it('in a form action sent by the page’s script (an action result)', async () => {
		await whileSignUpsFail(async () => {
			captureLog();
			const response = await request('/sign-up', {
				...form(signUp('enhanced@example.com')),
				headers: {
					'content-type': 'application/x-www-form-urlencoded',
					'x-sveltekit-action': 'true'
				}
			});
			expectOnlyAReference(await response.text());
		});
	});

	it('over tRPC’s HTTP endpoint', async () => {
		await whileSignUpsFail(async () => {
			captureLog();
			const { ageConfirmed: _, ...fields } = signUp('trpc@example.com');
			const response = await request('/api/trpc/account.signUp', {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ json: { ...fields, ageConfirmed: true } })
			});
			expect(response.status).toBe(500);
			const body = await response.text();
			expectOnlyAReference(body);
			expect(JSON.parse(body).error.json.data).not.toHaveProperty('stack');
		});
	});

	it('in a page’s load', async () => {
		await whileTableIsAway('sessions', async () => {
			captureLog();
			const response = await request('/dashboard', { signedIn: true });
			expect(response.status).toBe(500);
			expectOnlyAReference(await response.text());
		});
	});

	it('in an endpoint (the subscriber CSV)', async () => {
		await whileTableIsAway('subscribers', async () => {
			captureLog();
			const response = await request(`/series/${seriesId}/subscribers.csv`, { signedIn: true });
			expect(response.status).toBe(500);
			expectOnlyAReference(await response.text());
		});
	});

	it('on the calendar feed: the log names the route, never the secret token in its address', async () => {
		const token = tokenOf(feedPath);
		// A browser opening the feed's address sends the sign-in cookie, whose check then fails.
		await whileTableIsAway('auth_sessions', async () => {
			captureLog();
			const response = await request(feedPath, { signedIn: true });
			expect(response.status).toBe(500);
			expectOnlyAReference(await response.text());
		});
		const log = logged.map((args) => args.map((arg) => inspect(arg)).join(' ')).join('\n');
		expect(log).not.toContain(token);
		expect(log).toContain('GET /calendar/[token].ics failed');
	});
});

describe('a signed-out request to what needs a sign-in', () => {
	const someId = '00000000-0000-4000-8000-000000000000';

	const actions = [
		`/clients/${someId}?/archive`,
		`/clients/${someId}?/delete`,
		`/sessions/${someId}?/delete`,
		`/series/${someId}?/delete`,
		'/settings?/signOutOthers'
	];

	it('posting to a form action is sent to sign in, never a 500', async () => {
		for (const action of actions) {
			const page = await request(action, form({}));
			expect(page.status, action).toBe(303);
			expect(page.headers.get('location'), action).toMatch(/^\/sign-in\?redirectTo=/);

			// Sent by the page's script, the answer is an action result saying where to go.
			const result = await request(action, {
				method: 'POST',
				headers: {
					'content-type': 'application/x-www-form-urlencoded',
					'x-sveltekit-action': 'true'
				},
				body: ''
			});
			expect(result.status, action).toBeLessThan(500);
			expect(await result.json(), action).toMatchObject({
				type: 'redirect',
				status: 303,
				location: expect.stringMatching(/^\/sign-in\?redirectTo=/)
			});
		}
	});

	it('the subscriber CSV is sent to sign in, or refused with a 4xx', async () => {
		const path = `/series/${seriesId}/subscribers.csv`;
		const get = await request(path);
		expect(get.status).toBe(303);
		expect(get.headers.get('location')).toBe(`/sign-in?redirectTo=${encodeURIComponent(path)}`);
		const post = await request(path, form({}));
		expect(post.status).toBeGreaterThanOrEqual(400);
		expect(post.status).toBeLessThan(500);
	});
});

describe('a request body sent in chunks, without a length', () => {
	/** A form body as a stream: fetch sends it with Transfer-Encoding: chunked. */
	function chunked(bytes: number): RequestInit {
		const body = new ReadableStream<Uint8Array>({
			start(controller) {
				controller.enqueue(new TextEncoder().encode(`email=${'a'.repeat(bytes)}`));
				controller.close();
			}
		});
		return {
			method: 'POST',
			headers: { 'content-type': 'application/x-www-form-urlencoded' },
			body,
			duplex: 'half'
		} as RequestInit;
	}

	it('is refused with 411 outside the CSV imports, small or over the 512 KB cap', async () => {
		for (const bytes of [600 * 1024, 10]) {
			const response = await request('/sign-in', chunked(bytes));
			expect(response.status, `${bytes} bytes`).toBe(411);
		}
	});
});

describe('an .ics file over 512 KB', () => {
	async function upload(bytes: number) {
		const body = new FormData();
		body.set('file', new File(['x'.repeat(bytes)], 'calendar.ics', { type: 'text/calendar' }));
		return request('/settings/calendar?/preview', {
			method: 'POST',
			headers: { accept: 'text/html' },
			body,
			signedIn: true
		});
	}

	it('reaches the form, which takes it up to its own limit and says so beyond it', async () => {
		const within = await upload(600 * 1024);
		expect(within.status).toBe(400);
		expect(await within.text()).not.toContain('This file is too large');
		const over = await upload(ICS_MAX_CHARS + 1);
		expect(over.status).toBe(400);
		expect(await over.text()).toContain('This file is too large: export a shorter span.');
	});
});

describe('downloading all my data', () => {
	it('is refused with 429 and Retry-After past 5 downloads an hour', async () => {
		const { browser } = await signedUpPractitioner(db);
		const download = () =>
			request('/settings/data/export', {
				method: 'POST',
				headers: { cookie: `sb_auth=${browser.token}` }
			});
		for (let n = 1; n <= 5; n += 1) {
			const response = await download();
			expect(response.status, `download ${n}`).toBe(200);
			await response.arrayBuffer();
		}
		const refused = await download();
		expect(refused.status).toBe(429);
		expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
	});
});

describe('the CSP’s form-action', () => {
	const configured = {
		STRIPE_API_URL: process.env.STRIPE_API_URL,
		ZOOM_OAUTH_URL: process.env.ZOOM_OAUTH_URL
	};
	afterEach(() => {
		for (const [name, value] of Object.entries(configured)) {
			if (value === undefined) delete process.env[name];
			else process.env[name] = value;
		}
	});

	/** The directive that says where a form (and the redirect answering it) may lead. */
	async function formAction(path: string, signedIn = false): Promise<string | undefined> {
		const policy = (await request(path, { signedIn })).headers.get('content-security-policy');
		return policy?.match(/(?:^|;\s*)(form-action [^;]*)/)?.[1];
	}

	it('adds the origin of a Stripe stand-in (STRIPE_API_URL), whose hosted pages forms lead to', async () => {
		delete process.env.STRIPE_API_URL;
		const stripeOnly = await formAction('/sign-in');
		expect(stripeOnly).toMatch(/^form-action 'self'/);
		expect(stripeOnly).not.toContain('127.0.0.1');

		process.env.STRIPE_API_URL = 'http://127.0.0.1:5999/v1';
		expect(await formAction('/sign-in')).toBe(`${stripeOnly} http://127.0.0.1:5999`);
		expect(await formAction('/settings/payments', true)).toBe(
			`${stripeOnly} http://127.0.0.1:5999`
		);
	});

	it('adds the origin of a Zoom stand-in (ZOOM_OAUTH_URL), whose sign-in a connect form leads to', async () => {
		delete process.env.STRIPE_API_URL;
		delete process.env.ZOOM_OAUTH_URL;
		const own = await formAction('/sign-in');
		expect(own).toContain('https://zoom.us');
		process.env.ZOOM_OAUTH_URL = 'http://127.0.0.1:6001';
		expect(await formAction('/sign-in')).toBe(`${own} http://127.0.0.1:6001`);
	});
});

describe('caching', () => {
	it('every answer to a signed-in request and every tRPC answer is private, no-store', async () => {
		for (const [path, signedIn] of [
			['/dashboard', true],
			[`/series/${seriesId}`, true],
			['/api/trpc/account.me', true],
			['/api/trpc/account.me', false]
		] as const) {
			const response = await request(path, { signedIn });
			expect(response.status, path).toBeLessThan(500);
			expect(response.headers.get('cache-control'), `${path} signed in: ${signedIn}`).toBe(
				'private, no-store'
			);
		}
	});
});

describe('tRPC batches', () => {
	function batch(size: number) {
		const paths = Array.from({ length: size }, () => 'account.me').join(',');
		return request(`/api/trpc/${paths}?batch=1&input=${encodeURIComponent('{}')}`);
	}

	it('are refused with 400 beyond 20 calls, and answered up to 20', async () => {
		expect((await batch(150)).status).toBe(400);
		expect((await batch(21)).status).toBe(400);
		// Signed out, each of the 20 calls is refused by itself.
		expect((await batch(20)).status).toBe(401);
	});
});

describe('after signing in, redirectTo', () => {
	it('never leads off the site, also with a tab, line breaks or a NUL in it', async () => {
		for (const [redirectTo, location] of [
			['/\t/evil.test', '/dashboard'],
			['/\\evil.test', '/dashboard'],
			['/\r\n/evil.test', '/dashboard'],
			['/clients\r\nSet-Cookie: x=1', '/clientsSet-Cookie:%20x=1'],
			['/\u0000/evil.test', '/%00/evil.test'],
			['/clients?q=a', '/clients?q=a']
		] as const) {
			const response = await request(`/sign-in?redirectTo=${encodeURIComponent(redirectTo)}`, {
				signedIn: true
			});
			expect(response.status, JSON.stringify(redirectTo)).toBe(303);
			expect(response.headers.get('location'), JSON.stringify(redirectTo)).toBe(location);
		}
	});
});

describe('the local outbox', () => {
	it('opens with the key made at start, and not at all once an SMTP server is configured', async () => {
		const dataDir = mkdtempSync(join(tmpdir(), 'outbox-key-'));
		const smtpUrl = process.env.SMTP_URL;
		delete process.env.SMTP_URL;
		try {
			const address = openOutbox(app.origin, dataDir).slice(app.origin.length);
			const opened = await request(address);
			expect(opened.status).toBe(303);
			const key = opened.headers.get('set-cookie')!.split(';')[0]!;
			const withCookie = { headers: { cookie: key } };
			expect((await request('/dev/outbox', withCookie)).status).toBe(200);
			expect((await request('/dev/outbox')).status).toBe(403);

			process.env.SMTP_URL = 'smtp://127.0.0.1:2525';
			expect((await request(address)).status).toBe(404);
			expect((await request('/dev/outbox', withCookie)).status).toBe(404);
		} finally {
			if (smtpUrl === undefined) delete process.env.SMTP_URL;
			else process.env.SMTP_URL = smtpUrl;
			rmSync(dataDir, { recursive: true, force: true });
		}
	});
});
