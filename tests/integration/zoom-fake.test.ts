/**
 * The fake Zoom on its own, driven over HTTP the way Zoom's documentation says an app drives Zoom,
 * without our client: so that what the client's tests prove rests on a fake that keeps Zoom's
 * rules (single-use codes, PKCE, rotating refresh tokens, one-hour tokens, its error bodies).
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeZoom, type FakeZoom } from '../fakes/zoom';
import { consentAtZoom } from './support/zoom';

const REDIRECT = 'http://app.test/settings/integrations/zoom/callback';

let fake: FakeZoom;

type Received = { headers: Record<string, string>; body: string };
let received: Received[] = [];
/** What the webhook target answers next to url validation. */
let validationAnswer: (plainToken: string) => object = () => ({});
let target: { url: string; close: () => Promise<void> };

beforeAll(async () => {
	fake = await startFakeZoom({ httpControls: true, refreshDelayMs: 50 });
	const server = createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => {
			const body = Buffer.concat(chunks).toString('utf8');
			received.push({ headers: req.headers as Record<string, string>, body });
			const parsed = JSON.parse(body) as { event: string; payload: { plainToken?: string } };
			const answer =
				parsed.event === 'endpoint.url_validation'
					? validationAnswer(parsed.payload.plainToken ?? '')
					: {};
			res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	target = {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/webhooks/zoom`,
		close: () => new Promise((resolve) => server.close(() => resolve()))
	};
	fake.setWebhookTarget(target.url);
});

afterAll(async () => {
	await fake.stop();
	await target.close();
});

const basic = (id = fake.clientId, secret = fake.clientSecret) =>
	`Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

function pkce() {
	const verifier = randomBytes(32).toString('base64url');
	return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

function authorizeUrl(challenge: string, extra: Record<string, string> = {}) {
	const url = new URL('/oauth/authorize', fake.url);
	url.search = new URLSearchParams({
		response_type: 'code',
		client_id: fake.clientId,
		redirect_uri: REDIRECT,
		state: 'state-1',
		code_challenge: challenge,
		code_challenge_method: 'S256',
		...extra
	}).toString();
	return url.toString();
}

async function tokenCall(form: Record<string, string>, auth = basic()) {
	const response = await fetch(`${fake.url}/oauth/token`, {
		method: 'POST',
		headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams(form)
	});
	return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** A code for `userId` (default the signed-in user) and the verifier it was asked with. */
async function codeFor(userId?: string) {
	const { verifier, challenge } = pkce();
	const { code } = await consentAtZoom(authorizeUrl(challenge), { userId });
	return { code: code!, verifier };
}

async function connect(userId?: string) {
	const { code, verifier } = await codeFor(userId);
	const { status, body } = await tokenCall({
		grant_type: 'authorization_code',
		code,
		redirect_uri: REDIRECT,
		code_verifier: verifier
	});
	expect(status).toBe(200);
	return { access: body.access_token as string, refresh: body.refresh_token as string };
}

const api = (access: string, path: string, init: RequestInit = {}) =>
	fetch(`${fake.url}/v2${path}`, {
		...init,
		headers: {
			authorization: `Bearer ${access}`,
			'content-type': 'application/json',
			...init.headers
		}
	});

const meetingBody = {
	topic: 'Morning yoga',
	type: 2,
	start_time: '2030-01-07T08:00:00Z',
	duration: 60,
	timezone: 'Europe/Berlin'
};

describe('the authorize page', () => {
	it('asks the signed-in user to allow the app, and Allow sends them back with a code and the state', async () => {
		const { challenge } = pkce();
		const page = await fetch(authorizeUrl(challenge));
		const html = await page.text();
		expect(page.status).toBe(200);
		expect(html).toContain('<html lang="en">');
		expect(html).toContain(fake.user.email);
		expect(html).toMatch(/<button type="submit" name="decision" value="allow">Allow<\/button>/);
		const back = await consentAtZoom(authorizeUrl(challenge));
		expect(back.callbackUrl.startsWith(`${REDIRECT}?`)).toBe(true);
		expect(back.code).toMatch(/^[\w-]{20,}$/);
		expect(back.state).toBe('state-1');
	});

	it('sends back access_denied and the state when the user declines', async () => {
		const back = await consentAtZoom(authorizeUrl(pkce().challenge), { decision: 'decline' });
		expect(back.code).toBeNull();
		expect(new URL(back.callbackUrl).searchParams.get('error')).toBe('access_denied');
		expect(back.state).toBe('state-1');
	});

	it('refuses an unknown client, another response type, a foreign redirect, and a request without S256 PKCE', async () => {
		const { challenge } = pkce();
		const refused: Record<string, string>[] = [
			{ client_id: 'someone-else' },
			{ response_type: 'token' },
			{ redirect_uri: 'javascript:alert(1)' },
			{ code_challenge: '' },
			{ code_challenge_method: 'plain' }
		];
		for (const extra of refused) {
			const page = await fetch(authorizeUrl(challenge, extra), { redirect: 'manual' });
			expect(page.status, JSON.stringify(extra)).toBe(400);
			expect(page.headers.get('location')).toBeNull();
		}
	});

	it('answers with a code at once when set to auto-approve, as Zoom does for an app already allowed', async () => {
		fake.setAutoApprove(true);
		try {
			const page = await fetch(authorizeUrl(pkce().challenge), { redirect: 'manual' });
			expect(page.status).toBe(302);
			expect(new URL(page.headers.get('location')!).searchParams.get('code')).toBeTruthy();
		} finally {
			fake.setAutoApprove(false);
		}
	});
});

describe('the token endpoint', () => {
	it('gives one-hour bearer tokens for a code, once', async () => {
		const { code, verifier } = await codeFor();
		const form = {
			grant_type: 'authorization_code',
			code,
			redirect_uri: REDIRECT,
			code_verifier: verifier
		};
		const first = await tokenCall(form);
		expect(first.status).toBe(200);
		expect(first.body).toMatchObject({ token_type: 'bearer', expires_in: 3599 });
		expect(first.body.access_token).toEqual(expect.any(String));
		expect(first.body.refresh_token).toEqual(expect.any(String));
		const again = await tokenCall(form);
		expect(again.status).toBe(400);
		expect(again.body).toEqual({
			reason: `Invalid authorization code ${code}`,
			error: 'invalid_request'
		});
	});

	it('refuses a wrong PKCE verifier, and the code is spent by the attempt', async () => {
		const { code, verifier } = await codeFor();
		const form = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT };
		const wrong = await tokenCall({ ...form, code_verifier: pkce().verifier });
		expect(wrong.status).toBe(400);
		expect(wrong.body.error).toBe('invalid_request');
		expect((await tokenCall({ ...form, code_verifier: verifier })).status).toBe(400);
	});

	it('refuses a redirect_uri other than the one the code was asked with', async () => {
		const { code, verifier } = await codeFor();
		const answer = await tokenCall({
			grant_type: 'authorization_code',
			code,
			redirect_uri: 'http://app.test/elsewhere',
			code_verifier: verifier
		});
		expect(answer.status).toBe(400);
	});

	it('refuses a wrong client secret with 401 invalid_client', async () => {
		const { code, verifier } = await codeFor();
		const answer = await tokenCall(
			{ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier },
			basic(fake.clientId, 'not-the-secret')
		);
		expect(answer.status).toBe(401);
		expect(answer.body.error).toBe('invalid_client');
	});

	it('rotates the refresh token: the old one then answers invalid_grant, and the reuse is recorded', async () => {
		const user = fake.addUser();
		const { refresh, access } = await connect(user.id);
		const rotated = await tokenCall({ grant_type: 'refresh_token', refresh_token: refresh });
		expect(rotated.status).toBe(200);
		expect(rotated.body.refresh_token).not.toBe(refresh);
		expect(fake.tokenState(refresh)).toBe('rotated');
		const reused = await tokenCall({ grant_type: 'refresh_token', refresh_token: refresh });
		expect(reused.status).toBe(400);
		expect(reused.body).toEqual({ reason: 'Invalid Token!', error: 'invalid_grant' });
		expect(fake.refreshProblems).toContainEqual(
			expect.objectContaining({ kind: 'rotated_token_reused', userId: user.id })
		);
		// The access token given before the refresh stays good until it expires.
		expect((await api(access, '/users/me')).status).toBe(200);
		expect(fake.refreshes(user.id).map((r) => r.status)).toEqual([200, 400]);
	});

	it('records two refreshes of one grant in flight at once, of which only one succeeds', async () => {
		const user = fake.addUser();
		const { refresh } = await connect(user.id);
		const answers = await Promise.all([
			tokenCall({ grant_type: 'refresh_token', refresh_token: refresh }),
			tokenCall({ grant_type: 'refresh_token', refresh_token: refresh })
		]);
		expect(answers.map((a) => a.status).sort()).toEqual([200, 400]);
		const kinds = fake.refreshProblems.filter((p) => p.userId === user.id).map((p) => p.kind);
		expect(kinds).toContain('overlap');
	});

	it('answers invalid_grant once the refresh tokens of a user are killed', async () => {
		const user = fake.addUser();
		const { refresh } = await connect(user.id);
		fake.killRefreshTokens(user.id);
		const answer = await tokenCall({ grant_type: 'refresh_token', refresh_token: refresh });
		expect(answer).toEqual({
			status: 400,
			body: { reason: 'Invalid Token!', error: 'invalid_grant' }
		});
	});

	it('revokes a token given in the form or the query: both tokens of the grant die', async () => {
		for (const where of ['form', 'query'] as const) {
			const { access, refresh } = await connect();
			const query = where === 'query' ? `?token=${encodeURIComponent(access)}` : '';
			const answer = await fetch(`${fake.url}/oauth/revoke${query}`, {
				method: 'POST',
				headers: { authorization: basic(), 'content-type': 'application/x-www-form-urlencoded' },
				body: where === 'form' ? new URLSearchParams({ token: access }) : ''
			});
			expect(answer.status).toBe(200);
			expect(await answer.json()).toEqual({ status: 'success' });
			expect(fake.tokenState(access)).toBe('revoked');
			const me = await api(access, '/users/me');
			expect(me.status).toBe(401);
			expect(await me.json()).toEqual({ code: 124, message: 'Invalid access token.' });
			const refreshed = await tokenCall({ grant_type: 'refresh_token', refresh_token: refresh });
			expect(refreshed.body.error).toBe('invalid_grant');
		}
	});
});

describe('the API', () => {
	it('answers who the token belongs to', async () => {
		const { access } = await connect();
		const me = await api(access, '/users/me');
		expect(me.status).toBe(200);
		expect(await me.json()).toMatchObject({
			id: fake.user.id,
			first_name: fake.user.first_name,
			last_name: fake.user.last_name,
			display_name: fake.user.display_name,
			email: fake.user.email,
			account_id: fake.user.account_id
		});
	});

	it('answers 401 code 124 without a token, with an unknown one, and with an expired one', async () => {
		expect((await fetch(`${fake.url}/v2/users/me`)).status).toBe(401);
		const unknown = await api('not-a-token', '/users/me');
		expect(await unknown.json()).toEqual({ code: 124, message: 'Invalid access token.' });
		const { access } = await connect();
		fake.expireAccessTokens(fake.user.id);
		const expired = await api(access, '/users/me');
		expect(expired.status).toBe(401);
		expect(await expired.json()).toEqual({ code: 124, message: 'Access token is expired.' });
	});

	it('expires a token an hour after it was given, by Zoom clock', async () => {
		const { access } = await connect();
		fake.advanceClock(3598);
		expect((await api(access, '/users/me')).status).toBe(200);
		fake.advanceClock(2);
		expect((await api(access, '/users/me')).status).toBe(401);
		expect(fake.tokenState(access)).toBe('expired');
	});

	it('creates a meeting (201, an 11-digit id, an https join URL), changes it (204) and deletes it (204, then 404 code 3001)', async () => {
		const { access } = await connect();
		const created = await api(access, '/users/me/meetings', {
			method: 'POST',
			body: JSON.stringify(meetingBody)
		});
		expect(created.status).toBe(201);
		const meeting = (await created.json()) as Record<string, unknown>;
		expect(meeting.id).toEqual(expect.any(Number));
		expect(String(meeting.id)).toMatch(/^\d{11}$/);
		expect(meeting.join_url).toMatch(new RegExp(`^https://[^/]+/j/${meeting.id}\\?pwd=\\S+$`));
		expect(meeting.start_url).toMatch(/^https:\/\//);
		expect(meeting).toMatchObject({ ...meetingBody, host_id: fake.user.id });

		const moved = await api(access, `/meetings/${meeting.id}`, {
			method: 'PATCH',
			body: JSON.stringify({ start_time: '2030-01-08T09:30:00Z', duration: 45 })
		});
		expect(moved.status).toBe(204);
		expect(await moved.text()).toBe('');
		const read = await api(access, `/meetings/${meeting.id}`);
		expect(await read.json()).toMatchObject({ start_time: '2030-01-08T09:30:00Z', duration: 45 });
		expect(fake.meetings(fake.user.id)).toContainEqual(
			expect.objectContaining({
				id: String(meeting.id),
				startsAt: new Date('2030-01-08T09:30:00Z'),
				endsAt: new Date('2030-01-08T10:15:00Z')
			})
		);
		expect(fake.countCalls('PATCH', `/v2/meetings/${meeting.id}`)).toBe(1);

		const deleted = await api(access, `/meetings/${meeting.id}`, { method: 'DELETE' });
		expect(deleted.status).toBe(204);
		for (const method of ['GET', 'DELETE', 'PATCH']) {
			const gone = await api(access, `/meetings/${meeting.id}`, {
				method,
				...(method === 'PATCH' ? { body: '{}' } : {})
			});
			expect(gone.status).toBe(404);
			expect(await gone.json()).toEqual({
				code: 3001,
				message: `Meeting does not exist: ${meeting.id}.`
			});
		}
		expect(fake.meetings(undefined, { deleted: true })).toContainEqual(
			expect.objectContaining({ id: String(meeting.id), deleted: true })
		);
	});

	it("does not show one user's meeting to another", async () => {
		const own = await connect();
		const other = await connect(fake.addUser().id);
		const created = await api(own.access, '/users/me/meetings', {
			method: 'POST',
			body: JSON.stringify(meetingBody)
		});
		const { id } = (await created.json()) as { id: number };
		expect((await api(other.access, `/meetings/${id}`)).status).toBe(404);
		expect((await api(other.access, `/meetings/${id}`, { method: 'DELETE' })).status).toBe(404);
	});

	it('refuses a meeting with an invalid field with 400 code 300', async () => {
		const { access } = await connect();
		const answer = await api(access, '/users/me/meetings', {
			method: 'POST',
			body: JSON.stringify({ ...meetingBody, timezone: 'Mars/Olympus' })
		});
		expect(answer.status).toBe(400);
		expect(await answer.json()).toMatchObject({ code: 300 });
	});

	it('answers the next calls to a path with 429 and Retry-After, or with 500, when told', async () => {
		const { access } = await connect();
		fake.failNext('GET', '/v2/users/me', { status: 429, retryAfterSeconds: 7, times: 2 });
		for (let i = 0; i < 2; i++) {
			const limited = await api(access, '/users/me');
			expect(limited.status).toBe(429);
			expect(limited.headers.get('retry-after')).toBe('7');
			expect(await limited.json()).toMatchObject({ code: 429 });
		}
		expect((await api(access, '/users/me')).status).toBe(200);
		fake.failNext('POST', /^\/v2\/users\/me\/meetings$/, { status: 500 });
		const failed = await api(access, '/users/me/meetings', {
			method: 'POST',
			body: JSON.stringify(meetingBody)
		});
		expect(failed.status).toBe(500);
	});
});

describe('webhooks', () => {
	const expectedSignature = (timestamp: string, body: string) =>
		`v0=${createHmac('sha256', fake.webhookSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`;

	it('sends app_deauthorized signed v0 when a user uninstalls the app, and their tokens die', async () => {
		received = [];
		const user = fake.addUser();
		const { access, refresh } = await connect(user.id);
		const delivery = await fake.deauthorize(user.id);
		expect(delivery.status).toBe(200);
		const [got] = received;
		const timestamp = got!.headers['x-zm-request-timestamp']!;
		expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(60);
		expect(got!.headers['x-zm-signature']).toBe(expectedSignature(timestamp, got!.body));
		const body = JSON.parse(got!.body) as { event: string; event_ts: number; payload: object };
		expect(body.event).toBe('app_deauthorized');
		expect(body.event_ts).toEqual(expect.any(Number));
		expect(body.payload).toEqual({
			account_id: user.account_id,
			user_id: user.id,
			signature: expect.stringMatching(/^[0-9a-f]{64}$/),
			deauthorization_time: expect.any(String),
			client_id: fake.clientId
		});
		expect(fake.tokenState(access)).toBe('revoked');
		expect(fake.tokenState(refresh)).toBe('revoked');
	});

	it('checks the endpoint with endpoint.url_validation, and tells a right answer from a wrong one', async () => {
		received = [];
		validationAnswer = (plainToken) => ({
			plainToken,
			encryptedToken: createHmac('sha256', fake.webhookSecret).update(plainToken).digest('hex')
		});
		const right = await fake.validateUrl();
		expect(right.valid).toBe(true);
		const sent = JSON.parse(received[0]!.body) as { payload: { plainToken: string } };
		expect(sent.payload.plainToken).toBe(right.plainToken);
		expect(received[0]!.headers['x-zm-signature']).toBe(
			expectedSignature(received[0]!.headers['x-zm-request-timestamp']!, received[0]!.body)
		);
		validationAnswer = (plainToken) => ({ plainToken, encryptedToken: 'wrong' });
		expect((await fake.validateUrl()).valid).toBe(false);
	});
});

describe('the controls over HTTP (for browser tests)', () => {
	it('answers health, kills refresh tokens and injects failures', async () => {
		expect((await fetch(`${fake.url}/_fake/health`)).status).toBe(200);
		const user = fake.addUser();
		const { refresh, access } = await connect(user.id);
		const control = (name: string, fields: Record<string, string>) =>
			fetch(`${fake.url}/_fake/control/${name}`, {
				method: 'POST',
				body: new URLSearchParams(fields)
			});
		expect((await control('killRefreshTokens', { userId: user.id })).status).toBe(200);
		expect(fake.tokenState(refresh)).toBe('killed');
		await control('failNext', {
			method: 'GET',
			path: '/v2/users/me',
			status: '429',
			retryAfter: '3'
		});
		const limited = await api(access, '/users/me');
		expect(limited.status).toBe(429);
		expect(limited.headers.get('retry-after')).toBe('3');
		const state = (await (await control('state', {})).json()) as { users: { id: string }[] };
		expect(state.users.map((u) => u.id)).toContain(user.id);
	});
});
