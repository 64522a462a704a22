/**
 * Our Zoom client (src/lib/server/integrations/zoom/client.ts) against the fake Zoom: every call
 * it makes, what each of Zoom's refusals becomes (the ZoomError kinds callers act on), and the
 * webhook checks, with webhooks the fake signed and sent as Zoom does.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
	authorizeUrl,
	createMeeting,
	currentUser,
	deleteMeeting,
	exchangeCode,
	refreshTokens,
	revokeToken,
	updateMeeting,
	urlValidationAnswer,
	webhookSignatureValid,
	zoomConfigured,
	ZoomError,
	zoomMissing,
	type MeetingTimes,
	type ZoomTokens
} from '../../src/lib/server/integrations/zoom/client';
import { startFakeZoom } from '../fakes/zoom';
import { consentAtZoom, useZoom } from './support/zoom';

const { fake } = await useZoom();
const REDIRECT = 'http://app.test/settings/integrations/zoom/callback';

type Received = { headers: IncomingHttpHeaders; body: string };
let received: Received[] = [];
let target: { url: string; close: () => Promise<void> };

/** Plays the app's webhook endpoint: keeps what arrives, answers url validation with our client. */
beforeAll(async () => {
	const server = createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => {
			const body = Buffer.concat(chunks).toString('utf8');
			received.push({ headers: req.headers, body });
			const parsed = JSON.parse(body) as { event: string; payload: { plainToken?: string } };
			const answer =
				parsed.event === 'endpoint.url_validation'
					? urlValidationAnswer(parsed.payload.plainToken ?? '')
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

afterAll(() => target.close());

function pkce() {
	const codeVerifier = randomBytes(32).toString('base64url');
	return {
		codeVerifier,
		codeChallenge: createHash('sha256').update(codeVerifier).digest('base64url')
	};
}

/** The whole connect dance through our client: authorize URL, consent at Zoom, code exchange. */
async function connected(userId?: string): Promise<ZoomTokens> {
	const { codeVerifier, codeChallenge } = pkce();
	const url = authorizeUrl({ state: 'st', codeChallenge, redirectUri: REDIRECT });
	const { code } = await consentAtZoom(url, { userId });
	return exchangeCode({ code: code!, codeVerifier, redirectUri: REDIRECT });
}

/** The ZoomError a call fails with. */
async function zoomError(call: Promise<unknown>): Promise<ZoomError> {
	const error = await call.then(
		() => null,
		(e: unknown) => e
	);
	expect(error).toBeInstanceOf(ZoomError);
	return error as ZoomError;
}

const times: MeetingTimes = {
	topic: 'Evening yoga',
	startsAt: new Date('2030-03-04T18:00:00.000Z'),
	endsAt: new Date('2030-03-04T19:15:00.000Z'),
	timeZone: 'Europe/Berlin'
};

describe('configuration', () => {
	it('is configured with a client id, a secret and TOKEN_KEYS, and names what is missing', () => {
		expect(zoomMissing()).toEqual([]);
		expect(zoomConfigured()).toBe(true);
		const secret = process.env.ZOOM_CLIENT_SECRET;
		const keys = process.env.TOKEN_KEYS;
		try {
			delete process.env.ZOOM_CLIENT_SECRET;
			delete process.env.TOKEN_KEYS;
			expect(zoomMissing()).toEqual(['ZOOM_CLIENT_SECRET', 'TOKEN_KEYS']);
			expect(zoomConfigured()).toBe(false);
		} finally {
			process.env.ZOOM_CLIENT_SECRET = secret;
			process.env.TOKEN_KEYS = keys;
		}
	});
});

describe('connecting', () => {
	it('builds an authorize URL Zoom accepts, and exchanges the code for one-hour tokens', async () => {
		const { codeChallenge } = pkce();
		const url = new URL(authorizeUrl({ state: 's1', codeChallenge, redirectUri: REDIRECT }));
		expect(`${url.origin}${url.pathname}`).toBe(`${fake.url}/oauth/authorize`);
		expect(Object.fromEntries(url.searchParams)).toEqual({
			response_type: 'code',
			client_id: fake.clientId,
			redirect_uri: REDIRECT,
			state: 's1',
			code_challenge: codeChallenge,
			code_challenge_method: 'S256'
		});
		const before = Date.now();
		const tokens = await connected();
		expect(fake.tokenState(tokens.accessToken)).toBe('live');
		expect(fake.tokenState(tokens.refreshToken)).toBe('live');
		const lifetime = tokens.expiresAt.getTime() - before;
		expect(lifetime).toBeGreaterThan(3590_000);
		expect(lifetime).toBeLessThanOrEqual(3600_000);
	});

	it('is refused (kind refused) for a code used twice or a wrong verifier', async () => {
		const { codeVerifier, codeChallenge } = pkce();
		const url = authorizeUrl({ state: 's', codeChallenge, redirectUri: REDIRECT });
		const { code } = await consentAtZoom(url);
		const exchange = { code: code!, codeVerifier, redirectUri: REDIRECT };
		await exchangeCode(exchange);
		const twice = await zoomError(exchangeCode(exchange));
		expect([twice.kind, twice.status]).toEqual(['refused', 400]);

		const other = await consentAtZoom(url);
		const wrong = await zoomError(
			exchangeCode({ ...exchange, code: other.code!, codeVerifier: pkce().codeVerifier })
		);
		expect([wrong.kind, wrong.status]).toEqual(['refused', 400]);
	});
});

describe('tokens', () => {
	it('refreshes into a new pair; the old refresh token then fails with kind invalid_grant', async () => {
		const first = await connected();
		const second = await refreshTokens(first.refreshToken);
		expect(second.refreshToken).not.toBe(first.refreshToken);
		expect((await currentUser(second.accessToken)).id).toBe(fake.user.id);
		const old = await zoomError(refreshTokens(first.refreshToken));
		expect([old.kind, old.status]).toEqual(['invalid_grant', 400]);
	});

	it('fails with kind invalid_grant once Zoom killed the refresh token', async () => {
		const user = fake.addUser();
		const tokens = await connected(user.id);
		fake.killRefreshTokens(user.id);
		expect((await zoomError(refreshTokens(tokens.refreshToken))).kind).toBe('invalid_grant');
	});

	it('revokes a token at Zoom, after which calls with it fail with kind unauthorized', async () => {
		const tokens = await connected();
		await revokeToken(tokens.accessToken);
		expect(fake.tokenState(tokens.accessToken)).toBe('revoked');
		expect(fake.tokenState(tokens.refreshToken)).toBe('revoked');
		const refused = await zoomError(currentUser(tokens.accessToken));
		expect([refused.kind, refused.status]).toEqual(['unauthorized', 401]);
		expect((await zoomError(refreshTokens(tokens.refreshToken))).kind).toBe('invalid_grant');
	});

	it('fails with kind unauthorized when the access token expired', async () => {
		const user = fake.addUser();
		const tokens = await connected(user.id);
		fake.expireAccessTokens(user.id);
		const expired = await zoomError(currentUser(tokens.accessToken));
		expect([expired.kind, expired.status]).toEqual(['unauthorized', 401]);
		expect(expired.message).toContain('Access token is expired.');
	});
});

describe('the API', () => {
	it('tells who the token belongs to', async () => {
		const user = fake.addUser({ first_name: 'Ada', last_name: 'Lovelace', email: 'ada@zoom.test' });
		const tokens = await connected(user.id);
		expect(await currentUser(tokens.accessToken)).toEqual({
			id: user.id,
			displayName: 'Ada Lovelace',
			email: 'ada@zoom.test'
		});
	});

	it('creates, moves and deletes a meeting; deleting it again counts as deleted', async () => {
		const user = fake.addUser();
		const { accessToken } = await connected(user.id);
		const meeting = await createMeeting(accessToken, times);
		expect(meeting.id).toMatch(/^\d{11}$/);
		expect(meeting.joinUrl).toBe(fake.meeting(meeting.id)!.join_url);
		expect(fake.meetings(user.id)).toEqual([
			expect.objectContaining({
				id: meeting.id,
				topic: 'Evening yoga',
				startsAt: times.startsAt,
				endsAt: times.endsAt,
				timeZone: 'Europe/Berlin'
			})
		]);

		const moved = {
			...times,
			startsAt: new Date('2030-03-05T17:30:00Z'),
			endsAt: new Date('2030-03-05T18:00:00Z')
		};
		await updateMeeting(accessToken, meeting.id, moved);
		expect(fake.countCalls('PATCH', `/v2/meetings/${meeting.id}`)).toBe(1);
		expect(fake.meetings(user.id)[0]).toMatchObject({
			startsAt: moved.startsAt,
			endsAt: moved.endsAt
		});

		await deleteMeeting(accessToken, meeting.id);
		expect(fake.meetings(user.id)).toEqual([]);
		await deleteMeeting(accessToken, meeting.id);
		expect(fake.countCalls('DELETE', `/v2/meetings/${meeting.id}`)).toBe(2);
		const gone = await zoomError(updateMeeting(accessToken, meeting.id, moved));
		expect([gone.kind, gone.status]).toEqual(['not_found', 404]);
	});

	it('fails with kind rate_limited and the wait Retry-After gives, in seconds or as a time, on a 429', async () => {
		const { accessToken } = await connected();
		fake.failNext('POST', '/v2/users/me/meetings', { status: 429, retryAfterSeconds: 7 });
		const limited = await zoomError(createMeeting(accessToken, times));
		expect([limited.kind, limited.status, limited.retryAfterSeconds]).toEqual([
			'rate_limited',
			429,
			7
		]);
		// A daily limit: Zoom names the time it lifts instead.
		const lifts = new Date(Date.now() + 2 * 3600_000);
		fake.failNext('PATCH', /^\/v2\/meetings\//, { status: 429, retryAt: lifts });
		const daily = await zoomError(updateMeeting(accessToken, '12345678901', times));
		expect(daily.kind).toBe('rate_limited');
		expect(Math.abs(daily.retryAfterSeconds! - 7200)).toBeLessThanOrEqual(2);
		fake.failNext('POST', '/oauth/token', { status: 429, retryAfterSeconds: 2 });
		const tokens = await connected().catch((e: unknown) => e);
		expect(tokens).toMatchObject({ kind: 'rate_limited', retryAfterSeconds: 2 });
	});

	it('fails with kind unavailable on a 5xx and when Zoom cannot be reached', async () => {
		const { accessToken } = await connected();
		fake.failNext('PATCH', /^\/v2\/meetings\//, { status: 500 });
		const failed = await zoomError(updateMeeting(accessToken, '12345678901', times));
		expect([failed.kind, failed.status]).toEqual(['unavailable', 500]);

		const gone = await startFakeZoom();
		await gone.stop();
		const apiUrl = process.env.ZOOM_API_URL;
		process.env.ZOOM_API_URL = gone.url;
		try {
			const unreachable = await zoomError(currentUser(accessToken));
			expect([unreachable.kind, unreachable.status]).toEqual(['unavailable', 0]);
		} finally {
			process.env.ZOOM_API_URL = apiUrl;
		}
	});

	it('fails with kind refused when Zoom refuses the request itself', async () => {
		const { accessToken } = await connected();
		const refused = await zoomError(
			createMeeting(accessToken, { ...times, timeZone: 'Mars/Base' })
		);
		expect([refused.kind, refused.status]).toEqual(['refused', 400]);
		const unknown = await zoomError(revokeToken('no-such-token'));
		expect(unknown.kind).toBe('refused');
	});
});

describe('webhooks', () => {
	const header = (r: Received, name: string) => String(r.headers[name] ?? '');

	async function deauthorized(): Promise<Received> {
		received = [];
		const user = fake.addUser();
		await connected(user.id);
		await fake.deauthorize(user.id);
		expect(received).toHaveLength(1);
		return received[0]!;
	}

	it("accepts Zoom's v0 signature of app_deauthorized", async () => {
		const got = await deauthorized();
		const signature = header(got, 'x-zm-signature');
		const timestamp = header(got, 'x-zm-request-timestamp');
		expect(signature).toMatch(/^v0=[0-9a-f]{64}$/);
		expect(webhookSignatureValid(got.body, signature, timestamp)).toBe(true);
	});

	it('refuses a changed body, another secret, a stale or future timestamp, and missing headers', async () => {
		const got = await deauthorized();
		const signature = header(got, 'x-zm-signature');
		const timestamp = header(got, 'x-zm-request-timestamp');
		const changed = got.body.replace(/"user_id":"[^"]+"/, '"user_id":"someone-else"');
		expect(changed).not.toBe(got.body);
		expect(webhookSignatureValid(changed, signature, timestamp)).toBe(false);
		expect(webhookSignatureValid(got.body, signature, null)).toBe(false);
		expect(webhookSignatureValid(got.body, null, timestamp)).toBe(false);
		expect(webhookSignatureValid(got.body, signature, `${timestamp}x`)).toBe(false);

		const sentAt = Number(timestamp) * 1000;
		expect(webhookSignatureValid(got.body, signature, timestamp, sentAt + 299_000)).toBe(true);
		expect(webhookSignatureValid(got.body, signature, timestamp, sentAt + 301_000)).toBe(false);
		expect(webhookSignatureValid(got.body, signature, timestamp, sentAt - 301_000)).toBe(false);

		const secret = process.env.ZOOM_WEBHOOK_SECRET;
		try {
			process.env.ZOOM_WEBHOOK_SECRET = 'another-secret-token';
			expect(webhookSignatureValid(got.body, signature, timestamp)).toBe(false);
		} finally {
			process.env.ZOOM_WEBHOOK_SECRET = secret;
		}
	});

	it('refuses a webhook the fake signed with a stale timestamp', async () => {
		received = [];
		const stale = String(Math.floor(Date.now() / 1000) - 600);
		await fake.sendWebhook('app_deauthorized', { user_id: 'x' }, { timestamp: stale });
		const [got] = received;
		expect(header(got!, 'x-zm-request-timestamp')).toBe(stale);
		expect(
			webhookSignatureValid(got!.body, header(got!, 'x-zm-signature'), stale, Date.now())
		).toBe(false);
		// Signed right all the same: only its age is wrong.
		expect(
			webhookSignatureValid(got!.body, header(got!, 'x-zm-signature'), stale, Number(stale) * 1000)
		).toBe(true);
	});

	it("answers endpoint.url_validation as Zoom documents it, and Zoom's check passes", async () => {
		const answer = urlValidationAnswer('qgg8vlvZRS6UYooatFL8Aw');
		expect(answer).toEqual({
			plainToken: 'qgg8vlvZRS6UYooatFL8Aw',
			encryptedToken: createHmac('sha256', fake.webhookSecret)
				.update('qgg8vlvZRS6UYooatFL8Aw')
				.digest('hex')
		});
		expect((await fake.validateUrl()).valid).toBe(true);
	});
});
