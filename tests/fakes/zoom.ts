/**
 * A local fake Zoom on Zoom's real paths: the OAuth endpoints of a user-managed app (consent page,
 * Basic-auth token endpoint with single-use codes, PKCE and rotating refresh tokens, revoke), the
 * few REST calls under /v2 that Sessionboard makes, Zoom's error bodies, and webhooks signed `v0`.
 * It keeps a record of every call, and of the refresh races that kill real connections (two
 * refreshes of one grant in flight at once, or a rotated refresh token presented again). Test
 * controls make happen what only Zoom can (a token expiring, a refresh token dying, a 429, an
 * uninstall).
 */
import { createHash, createHmac, randomBytes, randomInt } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { consentPage, errorPage } from './zoom-parts/pages';

export type FakeZoomOptions = {
	host?: string;
	/** 0 (the default) picks a free port. */
	port?: number;
	clientId?: string;
	clientSecret?: string;
	/** The app's "Secret Token", which signs webhooks. */
	webhookSecret?: string;
	/** Where webhooks are POSTed unless a send names another address. */
	webhookUrl?: string | null;
	/** Redirect URIs the app registered; unset, any http(s) address is accepted. */
	redirectUris?: string[];
	/**
	 * Answer the authorize page at once with a code, as Zoom does for a user who already allowed
	 * the app, instead of showing the consent page (default false).
	 */
	autoApprove?: boolean;
	/** How long a refresh takes at Zoom (default 25 ms): long enough for a race to show. */
	refreshDelayMs?: number;
	/** Serves the test controls at `POST /_fake/control/<name>`, for browser tests. */
	httpControls?: boolean;
};

export type FakeZoomUser = {
	id: string;
	account_id: string;
	first_name: string;
	last_name: string;
	display_name: string;
	email: string;
	type: number;
	pmi: number;
	timezone: string;
	language: string;
	status: 'active';
	role_name: string;
	created_at: string;
};

/** A meeting as Zoom answers it (GET /v2/meetings/:id). */
export type FakeMeeting = {
	uuid: string;
	id: number;
	host_id: string;
	host_email: string;
	topic: string;
	type: number;
	status: 'waiting';
	start_time: string;
	duration: number;
	timezone: string;
	agenda: string;
	created_at: string;
	start_url: string;
	join_url: string;
	password: string;
	settings: { join_before_host: boolean; waiting_room: boolean };
};

/** A meeting with its times as dates, for assertions. */
export type FakeMeetingView = {
	id: string;
	hostId: string;
	topic: string;
	startsAt: Date;
	endsAt: Date;
	timeZone: string;
	joinUrl: string;
	deleted: boolean;
};

export type RecordedCall = {
	method: string;
	path: string;
	status: number;
	/** The Zoom user the token or code belonged to, when it could be told. */
	userId: string | null;
	/** For POST /oauth/token. */
	grantType: string | null;
	at: Date;
};

export type RefreshRecord = {
	userId: string | null;
	status: number;
	startedAt: number;
	endedAt: number | null;
};

/** What a real Zoom would have answered with a dead connection. */
export type RefreshProblem = {
	kind: 'overlap' | 'rotated_token_reused';
	userId: string;
	at: Date;
};

export type Failure = {
	status: number;
	/** For a 429: the Retry-After header, in seconds (a per-second limit)… */
	retryAfterSeconds?: number;
	/** …or the time a daily limit lifts, which Zoom gives as `2020-05-31T00:00:00Z`. */
	retryAt?: Date;
	/** How many calls in a row answer this (default 1). */
	times?: number;
	/** Another body than Zoom's usual one for the status. */
	body?: object;
};

export type WebhookDelivery = {
	url: string;
	event: string;
	body: string;
	timestamp: string;
	signature: string;
	/** The target's HTTP status, 0 when it could not be reached. */
	status: number;
	answer: string;
};

export type FakeZoom = {
	/** Origin of the fake, e.g. http://127.0.0.1:41234: the app's ZOOM_OAUTH_URL and ZOOM_API_URL. */
	url: string;
	port: number;
	clientId: string;
	clientSecret: string;
	webhookSecret: string;
	/** The Zoom user the consent page signs in as unless told otherwise. */
	user: FakeZoomUser;
	users: Map<string, FakeZoomUser>;
	addUser: (fields?: Partial<FakeZoomUser>) => FakeZoomUser;
	/** Who the consent page shows as signed in from now on. */
	signIn: (userId: string) => void;
	setAutoApprove: (on: boolean) => void;
	setRefreshDelay: (ms: number) => void;
	/** Every call to the OAuth endpoints and the API, in order. */
	calls: RecordedCall[];
	countCalls: (method: string, path: string | RegExp) => number;
	/** Every refresh request (grant_type=refresh_token), of one Zoom user or all. */
	refreshes: (userId?: string) => RefreshRecord[];
	refreshProblems: RefreshProblem[];
	/** Live meetings of a user (or all), and with `deleted` those deleted too. */
	meetings: (userId?: string, options?: { deleted?: boolean }) => FakeMeetingView[];
	meeting: (id: string | number) => FakeMeeting | undefined;
	/** What Zoom thinks of a token now. */
	tokenState: (token: string) => TokenState;
	/** Access tokens (of a user, or all) expire now; refresh tokens stay good. */
	expireAccessTokens: (userId?: string) => void;
	/** Refresh tokens (of a user, or all) die: a refresh answers invalid_grant. */
	killRefreshTokens: (userId?: string) => void;
	/** The next calls to `method path` answer `failure` instead (429 with Retry-After, 500…). */
	failNext: (method: string, path: string | RegExp, failure: Failure) => void;
	/** Moves Zoom's clock for tokens on (webhooks keep the real time): an hour on, they expire. */
	advanceClock: (seconds: number) => void;
	/** Zoom's clock, in ms. */
	now: () => number;
	setWebhookTarget: (url: string | null) => void;
	/** `x-zm-request-timestamp` and `x-zm-signature` for a body, as Zoom signs it. */
	sign: (body: string, timestamp?: string) => { timestamp: string; signature: string };
	sendWebhook: (
		event: string,
		payload: object,
		options?: { url?: string; timestamp?: string }
	) => Promise<WebhookDelivery>;
	/** The user uninstalls the app at Zoom: their tokens die and `app_deauthorized` is sent. */
	deauthorize: (userId: string, options?: { url?: string }) => Promise<WebhookDelivery>;
	/** Zoom checks the endpoint (`endpoint.url_validation`); `valid` says whether it answered right. */
	validateUrl: (options?: {
		url?: string;
	}) => Promise<{ delivery: WebhookDelivery; plainToken: string; valid: boolean }>;
	deliveries: WebhookDelivery[];
	stop: () => Promise<void>;
};

export type TokenState = 'live' | 'expired' | 'rotated' | 'revoked' | 'killed' | 'unknown';

type Grant = { id: string; userId: string; revoked: boolean; refreshing: boolean };
type AccessToken = { grant: Grant; expiresAt: number };
type RefreshToken = { grant: Grant; state: 'live' | 'rotated' | 'killed' };
type Code = {
	userId: string;
	redirectUri: string;
	challenge: string;
	expiresAt: number;
	used: boolean;
};

/** Zoom's answers, as its API and OAuth server word them. */
const INVALID_TOKEN = { code: 124, message: 'Invalid access token.' };
const EXPIRED_TOKEN = { code: 124, message: 'Access token is expired.' };
const DEAD_REFRESH = { reason: 'Invalid Token!', error: 'invalid_grant' };
const STANDARD_BODIES: Record<number, object> = {
	429: {
		code: 429,
		message: 'You have reached the maximum per-second rate limit for this API. Try again later.'
	},
	500: { code: 500, message: 'Internal server error.' },
	503: { code: 503, message: 'Service unavailable.' }
};

/** Access tokens last an hour, less the second Zoom keeps for itself. */
const TOKEN_SECONDS = 3599;
const CODE_SECONDS = 600;
/** The fake's meeting links: HTTPS as Zoom's, on a name that never resolves. */
const JOIN_HOST = 'https://meet.fake-zoom.test';

class ZoomFailure extends Error {
	constructor(
		readonly status: number,
		readonly body: object,
		readonly headers: Record<string, string> = {}
	) {
		super(JSON.stringify(body));
	}
}

const oauthError = (status: number, error: string, reason: string) =>
	new ZoomFailure(status, { reason, error });
const apiError = (status: number, code: number, message: string) =>
	new ZoomFailure(status, { code, message });

function readBody(req: IncomingMessage): Promise<string> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
		req.on('error', reject);
	});
}

function send(
	res: ServerResponse,
	status: number,
	body: string,
	type: string,
	extra: Record<string, string> = {}
): void {
	res.writeHead(status, {
		'content-type': type,
		'content-length': Buffer.byteLength(body),
		...extra
	});
	res.end(body);
}

const sendJson = (res: ServerResponse, status: number, body: object, extra = {}) =>
	send(res, status, JSON.stringify(body), 'application/json;charset=UTF-8', extra);
const sendHtml = (res: ServerResponse, status: number, html: string) =>
	send(res, status, html, 'text/html; charset=utf-8');

function redirect(res: ServerResponse, location: string): void {
	res.writeHead(302, { location, 'content-length': 0 });
	res.end();
}

const token = (bytes = 48) => randomBytes(bytes).toString('base64url');
/** Zoom's user and account ids: 22 characters of base64url. */
const zoomId = () => randomBytes(16).toString('base64url').slice(0, 22);
const zoomTime = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
/** A start without `Z` is in the meeting's zone at Zoom; the fake reads it as UTC. */
const startMs = (text: string) => Date.parse(text.endsWith('Z') ? text : `${text}Z`);
const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');
const hmacHex = (secret: string, text: string) =>
	createHmac('sha256', secret).update(text).digest('hex');

/** Starts the fake on a local port; see FakeZoom for what a test can do with it. */
export async function startFakeZoom(options: FakeZoomOptions = {}): Promise<FakeZoom> {
	const clientId = options.clientId ?? `fakeZoomClient${token(8)}`;
	const clientSecret = options.clientSecret ?? `fakeZoomSecret${token(16)}`;
	const webhookSecret = options.webhookSecret ?? `fakeZoomWebhook${token(16)}`;
	let webhookTarget = options.webhookUrl ?? null;
	let autoApprove = options.autoApprove ?? false;
	let refreshDelayMs = options.refreshDelayMs ?? 25;
	let clockOffsetMs = 0;
	const now = () => Date.now() + clockOffsetMs;

	const users = new Map<string, FakeZoomUser>();
	const codes = new Map<string, Code>();
	const accessTokens = new Map<string, AccessToken>();
	const refreshTokens = new Map<string, RefreshToken>();
	const meetings = new Map<number, FakeMeeting>();
	const deletedMeetings: FakeMeeting[] = [];
	const calls: RecordedCall[] = [];
	const refreshRecords: RefreshRecord[] = [];
	const refreshProblems: RefreshProblem[] = [];
	const deliveries: WebhookDelivery[] = [];
	const failures: { method: string; path: string | RegExp; failure: Failure; left: number }[] = [];

	function addUser(fields: Partial<FakeZoomUser> = {}): FakeZoomUser {
		const n = users.size + 1;
		const first = fields.first_name ?? 'Zoe';
		const last = fields.last_name ?? `Host${n}`;
		const user: FakeZoomUser = {
			id: zoomId(),
			account_id: zoomId(),
			first_name: first,
			last_name: last,
			display_name: `${first} ${last}`,
			email: `zoe.host${n}@zoom-user.test`,
			type: 1,
			pmi: randomInt(1_000_000_000, 9_999_999_999),
			timezone: 'UTC',
			language: 'en-US',
			status: 'active',
			role_name: 'Owner',
			created_at: zoomTime(Date.now()),
			...fields
		};
		users.set(user.id, user);
		return user;
	}
	const firstUser = addUser();
	let signedIn = firstUser.id;

	// OAuth

	function checkClient(req: IncomingMessage): void {
		const expected = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
		if (req.headers.authorization !== expected) {
			throw oauthError(401, 'invalid_client', 'Invalid client_id or client_secret');
		}
	}

	/** The authorize request's problem in words, or null when Zoom would go on. */
	function authorizeProblem(params: URLSearchParams): string | null {
		if (params.get('client_id') !== clientId) {
			return `Invalid client_id: ${params.get('client_id') ?? ''}`;
		}
		if (params.get('response_type') !== 'code') return 'Unsupported response_type.';
		const redirectUri = params.get('redirect_uri') ?? '';
		const registered = options.redirectUris
			? options.redirectUris.includes(redirectUri)
			: /^https?:\/\/[^/]/.test(redirectUri);
		if (!registered) return `Invalid redirect: ${redirectUri}`;
		if (!params.get('code_challenge')) return 'Missing code_challenge.';
		if (params.get('code_challenge_method') !== 'S256') return 'Unsupported code_challenge_method.';
		return null;
	}

	function callback(params: URLSearchParams, answer: Record<string, string>): string {
		const to = new URL(params.get('redirect_uri') ?? '');
		for (const [name, value] of Object.entries(answer)) to.searchParams.set(name, value);
		const state = params.get('state');
		if (state !== null) to.searchParams.set('state', state);
		return to.toString();
	}

	function issueCode(params: URLSearchParams, userId: string): string {
		const code = token(24);
		codes.set(code, {
			userId,
			redirectUri: params.get('redirect_uri') ?? '',
			challenge: params.get('code_challenge') ?? '',
			expiresAt: now() + CODE_SECONDS * 1000,
			used: false
		});
		return code;
	}

	function authorize(req: IncomingMessage, res: ServerResponse, params: URLSearchParams): void {
		const problem = authorizeProblem(params);
		if (problem) return sendHtml(res, 400, errorPage('Zoom could not sign you in', problem, 400));
		if (req.method === 'GET') {
			if (autoApprove)
				return redirect(res, callback(params, { code: issueCode(params, signedIn) }));
			const user = users.get(signedIn)!;
			return sendHtml(res, 200, consentPage(user, params));
		}
		const userId = params.get('user_id') ?? '';
		if (!users.has(userId)) {
			return sendHtml(res, 400, errorPage('Zoom could not sign you in', 'No such user.', 400));
		}
		if (params.get('decision') !== 'allow') {
			return redirect(res, callback(params, { error: 'access_denied' }));
		}
		redirect(res, callback(params, { code: issueCode(params, userId) }));
	}

	function tokenAnswer(grant: Grant) {
		const access = token();
		const refresh = token();
		accessTokens.set(access, { grant, expiresAt: now() + TOKEN_SECONDS * 1000 });
		refreshTokens.set(refresh, { grant, state: 'live' });
		return {
			access_token: access,
			token_type: 'bearer',
			refresh_token: refresh,
			expires_in: TOKEN_SECONDS,
			scope: 'meeting:read meeting:write user:read',
			api_url: url
		};
	}

	function exchange(form: URLSearchParams, call: RecordedCall) {
		const code = form.get('code') ?? '';
		const found = codes.get(code);
		if (!found || found.used || found.expiresAt < now()) {
			throw oauthError(400, 'invalid_request', `Invalid authorization code ${code}`);
		}
		// A code is spent by its first use, whether or not that use succeeds.
		found.used = true;
		call.userId = found.userId;
		if (form.get('redirect_uri') !== found.redirectUri) {
			throw oauthError(400, 'invalid_request', 'Redirect URI mismatch.');
		}
		if (s256(form.get('code_verifier') ?? '') !== found.challenge) {
			throw oauthError(400, 'invalid_request', 'Invalid code verifier.');
		}
		return tokenAnswer({ id: token(12), userId: found.userId, revoked: false, refreshing: false });
	}

	async function refresh(form: URLSearchParams, call: RecordedCall) {
		const presented = refreshTokens.get(form.get('refresh_token') ?? '');
		const record: RefreshRecord = {
			userId: presented?.grant.userId ?? null,
			status: 0,
			startedAt: now(),
			endedAt: null
		};
		refreshRecords.push(record);
		call.userId = record.userId;
		try {
			if (!presented || presented.grant.revoked || presented.state === 'killed') {
				throw oauthError(400, 'invalid_grant', DEAD_REFRESH.reason);
			}
			const { grant } = presented;
			if (grant.refreshing) {
				refreshProblems.push({ kind: 'overlap', userId: grant.userId, at: new Date(now()) });
			}
			if (presented.state === 'rotated') {
				refreshProblems.push({
					kind: 'rotated_token_reused',
					userId: grant.userId,
					at: new Date(now())
				});
				throw oauthError(400, 'invalid_grant', DEAD_REFRESH.reason);
			}
			// Rotated at once: a second refresh with the same token, even one sent while this one is
			// still on its way, finds it dead, as at Zoom.
			presented.state = 'rotated';
			grant.refreshing = true;
			try {
				await sleep(refreshDelayMs);
			} finally {
				grant.refreshing = false;
			}
			const answer = tokenAnswer(grant);
			record.status = 200;
			return answer;
		} catch (error) {
			record.status = error instanceof ZoomFailure ? error.status : 500;
			throw error;
		} finally {
			record.endedAt = now();
		}
	}

	function revoke(form: URLSearchParams, query: URLSearchParams, call: RecordedCall) {
		const given = form.get('token') ?? query.get('token') ?? '';
		const grant = accessTokens.get(given)?.grant ?? refreshTokens.get(given)?.grant;
		// A refresh token rotated out is no token any more: revoking with it ends nothing.
		if (!grant || refreshTokens.get(given)?.state === 'rotated') {
			throw oauthError(400, 'invalid_request', 'Invalid Token!');
		}
		call.userId = grant.userId;
		// Revoking either token ends the app's authorization: both die.
		grant.revoked = true;
		return { status: 'success' };
	}

	async function handleOauth(
		req: IncomingMessage,
		res: ServerResponse,
		url: URL,
		call: RecordedCall
	): Promise<void> {
		const method = req.method ?? 'GET';
		const raw = method === 'POST' ? await readBody(req) : '';
		const form = new URLSearchParams(raw);
		if (url.pathname === '/oauth/authorize' && (method === 'GET' || method === 'POST')) {
			return authorize(req, res, method === 'GET' ? url.searchParams : form);
		}
		if (method === 'POST' && url.pathname === '/oauth/token') {
			checkClient(req);
			// Zoom takes these in the query as well as in the body.
			for (const [name, value] of url.searchParams) if (!form.has(name)) form.set(name, value);
			const grantType = form.get('grant_type');
			call.grantType = grantType;
			if (grantType === 'authorization_code') return sendJson(res, 200, exchange(form, call));
			if (grantType === 'refresh_token') return sendJson(res, 200, await refresh(form, call));
			throw oauthError(400, 'unsupported_grant_type', 'Unsupported grant type');
		}
		if (method === 'POST' && url.pathname === '/oauth/revoke') {
			checkClient(req);
			return sendJson(res, 200, revoke(form, url.searchParams, call));
		}
		throw oauthError(404, 'not_found', `Nothing at ${method} ${url.pathname} in the fake Zoom.`);
	}

	// API

	function bearer(req: IncomingMessage, call: RecordedCall): FakeZoomUser {
		const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
		const found = accessTokens.get(given);
		if (!found || found.grant.revoked) throw new ZoomFailure(401, INVALID_TOKEN);
		call.userId = found.grant.userId;
		if (found.expiresAt <= now()) throw new ZoomFailure(401, EXPIRED_TOKEN);
		return users.get(found.grant.userId)!;
	}

	function meetingFields(body: unknown, creating: boolean) {
		if (typeof body !== 'object' || body === null || Array.isArray(body)) {
			throw apiError(400, 300, 'Request Body should be a valid JSON object.');
		}
		const b = body as Record<string, unknown>;
		const invalid = (field: string) =>
			new ZoomFailure(400, {
				code: 300,
				message: 'Validation Failed.',
				errors: [{ field, message: 'Invalid field.' }]
			});
		if (b.topic !== undefined && (typeof b.topic !== 'string' || b.topic.length > 200)) {
			throw invalid('topic');
		}
		if (b.type !== undefined && ![1, 2, 3, 8].includes(b.type as number)) throw invalid('type');
		if (
			b.start_time !== undefined &&
			(typeof b.start_time !== 'string' ||
				!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ?$/.test(b.start_time) ||
				Number.isNaN(Date.parse(b.start_time)))
		) {
			throw invalid('start_time');
		}
		if (b.duration !== undefined && (!Number.isInteger(b.duration) || (b.duration as number) < 0)) {
			throw invalid('duration');
		}
		if (b.timezone !== undefined) {
			try {
				new Intl.DateTimeFormat('en', { timeZone: b.timezone as string });
			} catch {
				throw invalid('timezone');
			}
		}
		if (creating && b.type === 2 && b.start_time === undefined) throw invalid('start_time');
		return b as Partial<
			Pick<FakeMeeting, 'topic' | 'type' | 'start_time' | 'duration' | 'timezone'>
		>;
	}

	function newMeetingId(): number {
		for (;;) {
			const id = randomInt(10_000_000_000, 99_999_999_999);
			if (!meetings.has(id) && !deletedMeetings.some((m) => m.id === id)) return id;
		}
	}

	function ownMeeting(user: FakeZoomUser, idText: string): FakeMeeting {
		const meeting = /^\d+$/.test(idText) ? meetings.get(Number(idText)) : undefined;
		if (!meeting || meeting.host_id !== user.id) {
			throw apiError(404, 3001, `Meeting does not exist: ${idText}.`);
		}
		return meeting;
	}

	async function handleApi(
		req: IncomingMessage,
		res: ServerResponse,
		url: URL,
		call: RecordedCall
	): Promise<void> {
		const method = req.method ?? 'GET';
		const raw = await readBody(req);
		const user = bearer(req, call);
		const parsed = (): unknown => {
			try {
				return JSON.parse(raw);
			} catch {
				throw apiError(400, 300, 'Request Body should be a valid JSON object.');
			}
		};
		const path = url.pathname;
		if (method === 'GET' && path === '/v2/users/me') return sendJson(res, 200, user);
		if (method === 'POST' && path === '/v2/users/me/meetings') {
			const fields = meetingFields(parsed(), true);
			const id = newMeetingId();
			const password = token(6).replace(/[^A-Za-z0-9]/g, 'x');
			const meeting: FakeMeeting = {
				uuid: `${token(16).slice(0, 22)}==`,
				id,
				host_id: user.id,
				host_email: user.email,
				topic: fields.topic ?? 'Zoom meeting',
				type: fields.type ?? 2,
				status: 'waiting',
				start_time: zoomTime(fields.start_time ? startMs(fields.start_time) : now()),
				duration: fields.duration ?? 60,
				timezone: fields.timezone ?? user.timezone,
				agenda: '',
				created_at: zoomTime(now()),
				start_url: `${JOIN_HOST}/s/${id}?zak=${token(32)}`,
				join_url: `${JOIN_HOST}/j/${id}?pwd=${token(24)}`,
				password,
				settings: { join_before_host: false, waiting_room: true }
			};
			meetings.set(id, meeting);
			return sendJson(res, 201, meeting);
		}
		const meetingPath = /^\/v2\/meetings\/([^/]+)$/.exec(path);
		if (meetingPath) {
			const meeting = ownMeeting(user, decodeURIComponent(meetingPath[1]!));
			if (method === 'GET') return sendJson(res, 200, meeting);
			if (method === 'PATCH') {
				const fields = meetingFields(parsed(), false);
				Object.assign(meeting, fields);
				if (fields.start_time) meeting.start_time = zoomTime(startMs(fields.start_time));
				res.writeHead(204).end();
				return;
			}
			if (method === 'DELETE') {
				meetings.delete(meeting.id);
				deletedMeetings.push(meeting);
				res.writeHead(204).end();
				return;
			}
		}
		throw apiError(404, 404, `Nothing at ${method} ${path} in the fake Zoom.`);
	}

	// Webhooks

	// Webhooks carry the real time: a clock moved on for tokens must not make them look stale.
	function sign(body: string, timestamp = String(Math.floor(Date.now() / 1000))) {
		return { timestamp, signature: `v0=${hmacHex(webhookSecret, `v0:${timestamp}:${body}`)}` };
	}

	async function sendWebhook(
		event: string,
		payload: object,
		opts: { url?: string; timestamp?: string } = {}
	): Promise<WebhookDelivery> {
		const target = opts.url ?? webhookTarget;
		if (!target) throw new Error('fake zoom: no webhook target set');
		const body = JSON.stringify({ event, payload, event_ts: Date.now() });
		const { timestamp, signature } = sign(body, opts.timestamp);
		const delivery: WebhookDelivery = {
			url: target,
			event,
			body,
			timestamp,
			signature,
			status: 0,
			answer: ''
		};
		try {
			const response = await fetch(target, {
				method: 'POST',
				headers: {
					'content-type': 'application/json; charset=utf-8',
					'x-zm-request-timestamp': timestamp,
					'x-zm-signature': signature,
					'user-agent': 'Zoom Marketplace/1.0a'
				},
				body,
				redirect: 'manual',
				signal: AbortSignal.timeout(15_000)
			});
			delivery.answer = await response.text();
			delivery.status = response.status;
		} catch {
			delivery.status = 0;
		}
		deliveries.push(delivery);
		return delivery;
	}

	function grantsOf(userId?: string): Grant[] {
		const all = new Set<Grant>();
		for (const t of accessTokens.values()) all.add(t.grant);
		for (const t of refreshTokens.values()) all.add(t.grant);
		return [...all].filter((g) => userId === undefined || g.userId === userId);
	}

	async function deauthorize(userId: string, opts: { url?: string } = {}) {
		const user = users.get(userId);
		if (!user) throw new Error(`fake zoom: no user ${userId}`);
		for (const grant of grantsOf(userId)) grant.revoked = true;
		return sendWebhook(
			'app_deauthorized',
			{
				account_id: user.account_id,
				user_id: user.id,
				signature: hmacHex(clientSecret, `${user.id}:${Date.now()}`),
				deauthorization_time: new Date().toISOString(),
				client_id: clientId
			},
			opts
		);
	}

	async function validateUrl(opts: { url?: string } = {}) {
		const plainToken = token(16);
		const delivery = await sendWebhook('endpoint.url_validation', { plainToken }, opts);
		let valid = false;
		try {
			const answer = JSON.parse(delivery.answer) as {
				plainToken?: unknown;
				encryptedToken?: unknown;
			};
			valid =
				delivery.status === 200 &&
				answer.plainToken === plainToken &&
				answer.encryptedToken === hmacHex(webhookSecret, plainToken);
		} catch {
			valid = false;
		}
		return { delivery, plainToken, valid };
	}

	// Controls

	function tokenState(given: string): TokenState {
		const access = accessTokens.get(given);
		if (access) {
			if (access.grant.revoked) return 'revoked';
			return access.expiresAt <= now() ? 'expired' : 'live';
		}
		const refreshToken = refreshTokens.get(given);
		if (!refreshToken) return 'unknown';
		if (refreshToken.grant.revoked) return 'revoked';
		return refreshToken.state;
	}

	function expireAccessTokens(userId?: string): void {
		for (const t of accessTokens.values()) {
			if (userId === undefined || t.grant.userId === userId)
				t.expiresAt = Math.min(t.expiresAt, now());
		}
	}

	function killRefreshTokens(userId?: string): void {
		for (const t of refreshTokens.values()) {
			if ((userId === undefined || t.grant.userId === userId) && t.state === 'live') {
				t.state = 'killed';
			}
		}
	}

	function failNext(method: string, path: string | RegExp, failure: Failure): void {
		failures.push({ method: method.toUpperCase(), path, failure, left: failure.times ?? 1 });
	}

	function injected(method: string, path: string): ZoomFailure | null {
		const found = failures.find(
			(f) =>
				f.method === method && (typeof f.path === 'string' ? f.path === path : f.path.test(path))
		);
		if (!found) return null;
		found.left -= 1;
		if (found.left <= 0) failures.splice(failures.indexOf(found), 1);
		const { status, retryAfterSeconds, retryAt, body } = found.failure;
		const retryAfter = retryAt ? zoomTime(retryAt.getTime()) : retryAfterSeconds?.toString();
		const headers: Record<string, string> = retryAfter ? { 'retry-after': retryAfter } : {};
		return new ZoomFailure(
			status,
			body ?? STANDARD_BODIES[status] ?? { code: status, message: 'Failed.' },
			headers
		);
	}

	function meetingView(meeting: FakeMeeting, deleted: boolean): FakeMeetingView {
		const startsAt = new Date(meeting.start_time);
		return {
			id: String(meeting.id),
			hostId: meeting.host_id,
			topic: meeting.topic,
			startsAt,
			endsAt: new Date(startsAt.getTime() + meeting.duration * 60_000),
			timeZone: meeting.timezone,
			joinUrl: meeting.join_url,
			deleted
		};
	}

	function state() {
		return {
			users: [...users.values()],
			signedIn,
			meetings: listMeetings(undefined, { deleted: true }),
			calls: calls.length,
			refreshes: refreshRecords,
			refreshProblems,
			deliveries: deliveries.map(({ event, status }) => ({ event, status }))
		};
	}

	function listMeetings(userId?: string, opts: { deleted?: boolean } = {}) {
		const live = [...meetings.values()].map((m) => meetingView(m, false));
		const gone = opts.deleted ? deletedMeetings.map((m) => meetingView(m, true)) : [];
		return [...live, ...gone].filter((m) => userId === undefined || m.hostId === userId);
	}

	async function control(name: string, form: URLSearchParams): Promise<object> {
		const userId = form.get('userId') || undefined;
		switch (name) {
			case 'state':
				return state();
			case 'expireAccessTokens':
				expireAccessTokens(userId);
				return state();
			case 'killRefreshTokens':
				killRefreshTokens(userId);
				return state();
			case 'failNext': {
				const pattern = form.get('pattern');
				const retryAfter = form.get('retryAfter');
				const retryAt = form.get('retryAt');
				failNext(
					form.get('method') ?? 'GET',
					pattern ? new RegExp(pattern) : (form.get('path') ?? ''),
					{
						status: Number(form.get('status') ?? 500),
						times: Number(form.get('times') ?? 1),
						...(retryAfter ? { retryAfterSeconds: Number(retryAfter) } : {}),
						...(retryAt ? { retryAt: new Date(retryAt) } : {})
					}
				);
				return state();
			}
			case 'advanceClock':
				clockOffsetMs += Number(form.get('seconds') ?? 0) * 1000;
				return state();
			case 'autoApprove':
				autoApprove = form.get('on') !== 'false';
				return state();
			case 'addUser': {
				const fields = Object.fromEntries(
					[...form].filter(([k]) => ['first_name', 'last_name', 'email'].includes(k))
				);
				return addUser(fields);
			}
			case 'signIn':
				signIn(userId ?? '');
				return state();
			case 'deauthorize':
				return deauthorize(userId ?? signedIn);
			case 'validateUrl':
				return validateUrl();
		}
		throw new Error(`fake zoom: no control ${name}`);
	}

	function signIn(userId: string): void {
		if (!users.has(userId)) throw new Error(`fake zoom: no user ${userId}`);
		signedIn = userId;
	}

	async function handleFake(req: IncomingMessage, res: ServerResponse, url: URL) {
		const [, , kind, name = ''] = url.pathname.split('/');
		if (kind === 'health') return sendJson(res, 200, { ok: true });
		if (kind === 'control' && options.httpControls && req.method === 'POST') {
			try {
				return sendJson(res, 200, await control(name, new URLSearchParams(await readBody(req))));
			} catch (error) {
				return sendJson(res, 400, {
					error: error instanceof Error ? error.message : String(error)
				});
			}
		}
		sendJson(res, 404, { error: `Nothing at ${req.method} ${url.pathname}.` });
	}

	const server = createServer((req, res) => {
		const url = new URL(req.url ?? '/', 'http://localhost');
		if (url.pathname.startsWith('/_fake/')) {
			handleFake(req, res, url).catch(() => {
				if (!res.headersSent) sendJson(res, 500, { error: 'fake zoom failed' });
			});
			return;
		}
		const method = req.method ?? 'GET';
		const call: RecordedCall = {
			method,
			path: url.pathname,
			status: 0,
			userId: null,
			grantType: null,
			at: new Date(now())
		};
		calls.push(call);
		const handle = async () => {
			const failure = injected(method, url.pathname);
			if (failure) throw failure;
			if (url.pathname.startsWith('/oauth/')) return handleOauth(req, res, url, call);
			if (url.pathname.startsWith('/v2/')) return handleApi(req, res, url, call);
			throw apiError(404, 404, `Nothing at ${method} ${url.pathname} in the fake Zoom.`);
		};
		handle()
			.then(() => {
				call.status ||= res.statusCode;
			})
			.catch((error: unknown) => {
				const failure =
					error instanceof ZoomFailure
						? error
						: new ZoomFailure(500, { code: 500, message: String(error) });
				call.status = failure.status;
				if (!res.headersSent) sendJson(res, failure.status, failure.body, failure.headers);
			});
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
	});
	const { port } = server.address() as AddressInfo;
	const url = `http://${options.host ?? '127.0.0.1'}:${port}`;

	return {
		url,
		port,
		clientId,
		clientSecret,
		webhookSecret,
		user: firstUser,
		users,
		addUser,
		signIn,
		setAutoApprove: (on) => {
			autoApprove = on;
		},
		setRefreshDelay: (ms) => {
			refreshDelayMs = ms;
		},
		calls,
		countCalls: (method, path) =>
			calls.filter(
				(c) =>
					c.method === method.toUpperCase() &&
					(typeof path === 'string' ? c.path === path : path.test(c.path))
			).length,
		refreshes: (userId) =>
			refreshRecords.filter((r) => userId === undefined || r.userId === userId),
		refreshProblems,
		meetings: listMeetings,
		meeting: (id) => meetings.get(Number(id)),
		tokenState,
		expireAccessTokens,
		killRefreshTokens,
		failNext,
		advanceClock: (seconds) => {
			clockOffsetMs += seconds * 1000;
		},
		now,
		setWebhookTarget: (target) => {
			webhookTarget = target;
		},
		sign,
		sendWebhook,
		deauthorize,
		validateUrl,
		deliveries,
		stop: async () => {
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		}
	};
}
