import { createHmac, timingSafeEqual } from 'node:crypto';
import { config } from '../../config';

/**
 * The only code that speaks to Zoom: its OAuth endpoints (user-managed app, with PKCE), the few
 * REST calls Sessionboard makes on a practitioner's behalf, and the checks of its webhooks.
 * Addresses come from ZOOM_OAUTH_URL and ZOOM_API_URL, so tests point it at the fake.
 */

export type ZoomTokens = { accessToken: string; refreshToken: string; expiresAt: Date };
export type ZoomMeeting = { id: string; joinUrl: string };
export type MeetingTimes = {
	topic: string;
	startsAt: Date;
	endsAt: Date;
	/** The zone Zoom shows the meeting in; the start itself is sent in UTC. */
	timeZone: string;
};

/**
 * What Zoom answered when it did not do what was asked. `kind` is what callers act on:
 * `invalid_grant` — the refresh token (or code) is dead and only reconnecting helps;
 * `unauthorized` — the access token was refused; `rate_limited` — wait `retryAfterSeconds`;
 * `not_found` — the meeting is gone; `unavailable` — Zoom could not be reached or failed (5xx);
 * `refused` — any other refusal. Zoom's own message is kept for logs, never shown.
 */
export class ZoomError extends Error {
	constructor(
		readonly kind:
			'invalid_grant' | 'unauthorized' | 'rate_limited' | 'not_found' | 'unavailable' | 'refused',
		readonly status: number,
		message: string,
		readonly retryAfterSeconds?: number
	) {
		super(`Zoom ${kind} (${status}): ${message}`);
		this.name = 'ZoomError';
	}
}

/** The variables Zoom still needs, in the order the settings page names them. */
export function zoomMissing(): string[] {
	const { ZOOM_CLIENT_ID, ZOOM_CLIENT_SECRET, TOKEN_KEYS } = config();
	return [
		...(ZOOM_CLIENT_ID ? [] : ['ZOOM_CLIENT_ID']),
		...(ZOOM_CLIENT_SECRET ? [] : ['ZOOM_CLIENT_SECRET']),
		...(TOKEN_KEYS.length > 0 ? [] : ['TOKEN_KEYS'])
	];
}

export function zoomConfigured(): boolean {
	return zoomMissing().length === 0;
}

const oauthBase = () => (config().ZOOM_OAUTH_URL ?? 'https://zoom.us').replace(/\/$/, '');
const apiBase = () => (config().ZOOM_API_URL ?? 'https://api.zoom.us').replace(/\/$/, '');
const TIMEOUT_MS = 15_000;

function basicAuth(): string {
	const { ZOOM_CLIENT_ID, ZOOM_CLIENT_SECRET } = config();
	if (!ZOOM_CLIENT_ID || !ZOOM_CLIENT_SECRET) throw new Error('Zoom is not configured');
	return `Basic ${Buffer.from(`${ZOOM_CLIENT_ID}:${ZOOM_CLIENT_SECRET}`).toString('base64')}`;
}

export function authorizeUrl(input: {
	state: string;
	codeChallenge: string;
	redirectUri: string;
}): string {
	const url = new URL(`${oauthBase()}/oauth/authorize`);
	url.search = new URLSearchParams({
		response_type: 'code',
		client_id: config().ZOOM_CLIENT_ID ?? '',
		redirect_uri: input.redirectUri,
		state: input.state,
		code_challenge: input.codeChallenge,
		code_challenge_method: 'S256'
	}).toString();
	return url.toString();
}

/**
 * Zoom's Retry-After: seconds after a per-second limit, but the time the limit lifts
 * (`2020-05-31T00:00:00Z`) after a daily one. At least a second either way.
 */
function waitSeconds(headers: Headers): number {
	const value = headers.get('retry-after')?.trim() ?? '';
	const seconds = /^\d+$/.test(value) ? Number(value) : (Date.parse(value) - Date.now()) / 1000;
	return Number.isFinite(seconds) && seconds > 0 ? Math.ceil(seconds) : 1;
}

async function call(url: string, init: RequestInit): Promise<Response> {
	let response: Response;
	try {
		response = await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
	} catch (error) {
		throw new ZoomError('unavailable', 0, error instanceof Error ? error.message : String(error));
	}
	if (response.ok) return response;
	const body = await response.text().catch(() => '');
	let parsed: { error?: string; reason?: string; code?: number; message?: string } = {};
	try {
		parsed = JSON.parse(body);
	} catch {
		// Not JSON (a proxy's page): the status says enough.
	}
	const message = parsed.reason ?? parsed.message ?? parsed.error ?? body.slice(0, 200);
	const { status } = response;
	if (status === 429) {
		throw new ZoomError('rate_limited', status, message, waitSeconds(response.headers));
	}
	if (status >= 500) throw new ZoomError('unavailable', status, message);
	if (parsed.error === 'invalid_grant') throw new ZoomError('invalid_grant', status, message);
	if (status === 401) throw new ZoomError('unauthorized', status, message);
	if (status === 404) throw new ZoomError('not_found', status, message);
	throw new ZoomError('refused', status, message);
}

async function tokenRequest(form: Record<string, string>): Promise<ZoomTokens> {
	const response = await call(`${oauthBase()}/oauth/token`, {
		method: 'POST',
		headers: {
			authorization: basicAuth(),
			'content-type': 'application/x-www-form-urlencoded'
		},
		body: new URLSearchParams(form)
	});
	const body = (await response.json()) as {
		access_token?: unknown;
		refresh_token?: unknown;
		expires_in?: unknown;
	};
	if (
		typeof body.access_token !== 'string' ||
		typeof body.refresh_token !== 'string' ||
		typeof body.expires_in !== 'number'
	) {
		throw new ZoomError('refused', response.status, 'token answer without tokens');
	}
	return {
		accessToken: body.access_token,
		refreshToken: body.refresh_token,
		expiresAt: new Date(Date.now() + body.expires_in * 1000)
	};
}

export function exchangeCode(input: {
	code: string;
	codeVerifier: string;
	redirectUri: string;
}): Promise<ZoomTokens> {
	return tokenRequest({
		grant_type: 'authorization_code',
		code: input.code,
		redirect_uri: input.redirectUri,
		code_verifier: input.codeVerifier
	});
}

/** Zoom rotates the refresh token: the one passed in is dead once this answers. */
export function refreshTokens(refreshToken: string): Promise<ZoomTokens> {
	return tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken });
}

export async function revokeToken(token: string): Promise<void> {
	await call(`${oauthBase()}/oauth/revoke`, {
		method: 'POST',
		headers: {
			authorization: basicAuth(),
			'content-type': 'application/x-www-form-urlencoded'
		},
		body: new URLSearchParams({ token })
	});
}

function api(accessToken: string, path: string, init: RequestInit = {}): Promise<Response> {
	return call(`${apiBase()}/v2${path}`, {
		...init,
		headers: {
			authorization: `Bearer ${accessToken}`,
			...(init.body ? { 'content-type': 'application/json' } : {}),
			...init.headers
		}
	});
}

/** Who the token belongs to. The name and email are for showing, never for storing. */
export async function currentUser(
	accessToken: string
): Promise<{ id: string; displayName: string; email: string }> {
	const body = (await (await api(accessToken, '/users/me')).json()) as {
		id?: unknown;
		display_name?: unknown;
		first_name?: unknown;
		last_name?: unknown;
		email?: unknown;
	};
	if (typeof body.id !== 'string' || body.id === '') {
		throw new ZoomError('refused', 200, 'user answer without an id');
	}
	const fallbackName = [body.first_name, body.last_name]
		.filter((p) => typeof p === 'string')
		.join(' ');
	return {
		id: body.id,
		displayName: typeof body.display_name === 'string' ? body.display_name : fallbackName,
		email: typeof body.email === 'string' ? body.email : ''
	};
}

function meetingBody(times: MeetingTimes) {
	return JSON.stringify({
		topic: times.topic.slice(0, 200),
		type: 2,
		start_time: times.startsAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
		duration: Math.max(1, Math.round((times.endsAt.getTime() - times.startsAt.getTime()) / 60_000)),
		timezone: times.timeZone
	});
}

export async function createMeeting(
	accessToken: string,
	times: MeetingTimes
): Promise<ZoomMeeting> {
	const response = await api(accessToken, '/users/me/meetings', {
		method: 'POST',
		body: meetingBody(times)
	});
	const body = (await response.json()) as { id?: unknown; join_url?: unknown };
	if (
		(typeof body.id !== 'number' && typeof body.id !== 'string') ||
		typeof body.join_url !== 'string' ||
		!/^https:\/\//.test(body.join_url)
	) {
		throw new ZoomError('refused', response.status, 'meeting answer without an id or join URL');
	}
	return { id: String(body.id), joinUrl: body.join_url };
}

export async function updateMeeting(
	accessToken: string,
	meetingId: string,
	times: MeetingTimes
): Promise<void> {
	await api(accessToken, `/meetings/${encodeURIComponent(meetingId)}`, {
		method: 'PATCH',
		body: meetingBody(times)
	});
}

/** A meeting Zoom no longer has counts as deleted. */
export async function deleteMeeting(accessToken: string, meetingId: string): Promise<void> {
	try {
		await api(accessToken, `/meetings/${encodeURIComponent(meetingId)}`, { method: 'DELETE' });
	} catch (error) {
		if (error instanceof ZoomError && error.kind === 'not_found') return;
		throw error;
	}
}

const hmacHex = (secret: string, text: string) =>
	createHmac('sha256', secret).update(text).digest('hex');

/** How old a webhook may be, as Zoom advises checking `x-zm-request-timestamp`. */
const WEBHOOK_TOLERANCE_SECONDS = 300;

/**
 * Zoom's webhook signature (`v0`): HMAC-SHA256 of `v0:<timestamp>:<raw body>` under the app's
 * secret token, in hex, in `x-zm-signature` as `v0=<hex>`.
 */
export function webhookSignatureValid(
	rawBody: string,
	signature: string | null,
	timestamp: string | null,
	now = Date.now()
): boolean {
	const secret = config().ZOOM_WEBHOOK_SECRET;
	if (!secret || !signature || !timestamp || !/^\d{1,12}$/.test(timestamp)) return false;
	if (Math.abs(now / 1000 - Number(timestamp)) > WEBHOOK_TOLERANCE_SECONDS) return false;
	const expected = Buffer.from(`v0=${hmacHex(secret, `v0:${timestamp}:${rawBody}`)}`);
	const given = Buffer.from(signature);
	return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The answer to `endpoint.url_validation`, by which Zoom checks that the endpoint is ours. */
export function urlValidationAnswer(plainToken: string): {
	plainToken: string;
	encryptedToken: string;
} {
	const secret = config().ZOOM_WEBHOOK_SECRET;
	if (!secret) throw new Error('ZOOM_WEBHOOK_SECRET is not set');
	return { plainToken, encryptedToken: hmacHex(secret, plainToken) };
}
