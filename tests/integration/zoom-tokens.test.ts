/**
 * Using a practitioner's Zoom tokens: refreshed once at a time across instances, a refused refresh
 * shown and announced, tokens that no longer open (a key dropped, an altered value) refused in
 * words, and the health the dashboard shows.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq, sql } from 'drizzle-orm';
import { io as openSocket, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PracticeChange } from '../../src/lib/realtime-events';
import { AUTH_COOKIE } from '../../src/lib/server/auth/session';
import { createDatabase, type Database } from '../../src/lib/server/db';
import { sessions, zoomConnections } from '../../src/lib/server/db/schema';
import { currentUser } from '../../src/lib/server/integrations/zoom/client';
import {
	clearProblem,
	markMeetingsFailing,
	withZoomToken,
	zoomHealth,
	ZoomNotConnected
} from '../../src/lib/server/integrations/zoom/connection';
import { attachRealtime } from '../../src/lib/server/realtime/attach';
import { registerRealtimeServer, type RealtimeServer } from '../../src/lib/server/realtime/publish';
import type { FakeZoom } from '../fakes/zoom';
import { useTestDatabase } from './support/database';
import { makeClient, makeSessions } from './support/practice';
import { waitFor } from './support/wait';
import { useZoom } from './support/zoom';
import { integrationsPageData, storedTokens, zoomPractitioner } from './support/zoom-connection';

let db: Database;
let otherInstance: Database;
let fake: FakeZoom;
let tokenKeys: string;
let realtime: { io: RealtimeServer; url: string };
const sockets: Socket[] = [];

beforeAll(async () => {
	let url: string;
	({ db, url } = await useTestDatabase());
	// A second pool of connections, as a second app instance (or worker) would have.
	otherInstance = createDatabase(url);
	({ fake, tokenKeys } = await useZoom());
	const http = createServer();
	const io = attachRealtime(http);
	await new Promise<void>((done) => http.listen(0, '127.0.0.1', done));
	realtime = { io, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` };
});

afterAll(async () => {
	for (const socket of sockets) socket.close();
	registerRealtimeServer(undefined);
	await realtime?.io.close();
	await otherInstance?.$client.end();
});

/** The changes an open page of the practitioner hears of, once its socket is connected. */
async function listen(token: string) {
	const socket: Socket = openSocket(realtime.url, {
		path: '/socket.io',
		transports: ['websocket'],
		reconnection: false,
		extraHeaders: { cookie: `${AUTH_COOKIE}=${token}` }
	});
	sockets.push(socket);
	const heard: PracticeChange[] = [];
	socket.on('practice:changed', (change: PracticeChange) => heard.push(change));
	await new Promise<void>((connected) => socket.once('connect', () => connected()));
	return heard;
}

/** Our record says the access token is about to expire, so the next use refreshes it first. */
async function expireHere(userId: string) {
	await db
		.update(zoomConnections)
		.set({ accessExpiresAt: new Date(Date.now() + 30_000) })
		.where(eq(zoomConnections.userId, userId));
}

const whoAmI = (instance: Database, userId: string) =>
	withZoomToken(instance, userId, async (token) => (await currentUser(token)).id);

describe('one refresh at a time per practitioner', () => {
	it('ten uses at once from two instances, all needing a refresh, make one refresh call and all succeed', async () => {
		const person = await zoomPractitioner(db, fake);
		await expireHere(person.user.id);
		fake.expireAccessTokens(person.zoomUser.id);
		const before = fake.refreshes(person.zoomUser.id).length;
		const results = await Promise.all(
			Array.from({ length: 10 }, (_, i) => whoAmI(i % 2 ? otherInstance : db, person.user.id))
		);
		expect(results).toEqual(Array(10).fill(person.zoomUser.id));
		expect(fake.refreshes(person.zoomUser.id).length - before).toBe(1);
		expect(fake.refreshProblems).toEqual([]);
		const after = await storedTokens(db, person.user.id);
		expect(fake.tokenState(after!.refreshToken)).toBe('live');
		expect(fake.tokenState(person.tokens!.refreshToken)).toBe('rotated');
	});

	it('an access token Zoom refuses before our record says it expires is refreshed once for ten uses at once, and each use tried again', async () => {
		const person = await zoomPractitioner(db, fake);
		fake.expireAccessTokens(person.zoomUser.id);
		const before = fake.refreshes(person.zoomUser.id).length;
		const results = await Promise.all(
			Array.from({ length: 10 }, (_, i) => whoAmI(i % 2 ? otherInstance : db, person.user.id))
		);
		expect(results).toEqual(Array(10).fill(person.zoomUser.id));
		expect(fake.refreshes(person.zoomUser.id).length - before).toBe(1);
		expect(fake.refreshProblems).toEqual([]);
	});

	it('a token far from expiring is used as it is', async () => {
		const person = await zoomPractitioner(db, fake);
		const before = fake.refreshes(person.zoomUser.id).length;
		expect(await whoAmI(db, person.user.id)).toBe(person.zoomUser.id);
		expect(fake.refreshes(person.zoomUser.id).length).toBe(before);
	});
});

describe('a refresh Zoom refuses', () => {
	it('marks the connection refresh_refused, tells the practitioner’s open pages, and refuses in words from then on', async () => {
		const person = await zoomPractitioner(db, fake);
		const heard = await listen(person.browser.token!);
		registerRealtimeServer(realtime.io);
		fake.killRefreshTokens(person.zoomUser.id);
		await expireHere(person.user.id);
		const refused = await whoAmI(db, person.user.id).catch((e: unknown) => e);
		expect(refused).toBeInstanceOf(ZoomNotConnected);
		expect((refused as ZoomNotConnected).reason).toBe('refresh_refused');
		expect((refused as Error).message).toMatch(/reconnect/i);
		await waitFor('the practitioner’s page to hear of it', () =>
			heard.some((change) => change.entity === 'zoom')
		);
		const row = (await storedTokens(db, person.user.id))!.row;
		expect(row.problem).toBe('refresh_refused');
		expect(row.problemAt).toBeInstanceOf(Date);
		expect(await zoomHealth(db, person.user.id)).toMatchObject({
			connected: true,
			problem: 'refresh_refused'
		});
		// Zoom is not asked again with a token it refused.
		const calls = fake.calls.length;
		await expect(whoAmI(db, person.user.id)).rejects.toBeInstanceOf(ZoomNotConnected);
		expect(fake.calls.length).toBe(calls);
		// Meetings failing later does not hide why.
		await markMeetingsFailing(db, person.user.id);
		await clearProblem(db, person.user.id);
		expect((await storedTokens(db, person.user.id))!.row.problem).toBe('refresh_refused');
	});

	it('no connection at all is refused in words', async () => {
		const refused = await whoAmI(db, '00000000-0000-4000-8000-000000000000').catch(
			(e: unknown) => e
		);
		expect(refused).toBeInstanceOf(ZoomNotConnected);
		expect((refused as ZoomNotConnected).reason).toBe('not_connected');
	});
});

describe('tokens that do not open', () => {
	it('under other keys (TOKEN_KEYS changed) they are refused in words, the page shows it, and the old key still opens them while it is listed', async () => {
		const person = await zoomPractitioner(db, fake);
		const newKey = randomBytes(32).toString('base64');
		process.env.TOKEN_KEYS = newKey;
		try {
			const refused = await whoAmI(db, person.user.id).catch((e: unknown) => e);
			expect(refused).toBeInstanceOf(ZoomNotConnected);
			expect((refused as ZoomNotConnected).reason).toBe('unreadable');
			const page = await integrationsPageData(person.signedIn);
			expect(page.status).toBe(200);
			expect(page.data).toMatchObject({ status: { connection: { unreadable: true } } });
			expect(await zoomHealth(db, person.user.id)).toMatchObject({ unreadable: true });
			// Rotation: the new key in front, the old one still listed.
			process.env.TOKEN_KEYS = `${newKey},${tokenKeys}`;
			expect(await whoAmI(db, person.user.id)).toBe(person.zoomUser.id);
		} finally {
			process.env.TOKEN_KEYS = tokenKeys;
		}
	});

	it('altered in the database, they are refused in words and the page shows it', async () => {
		const person = await zoomPractitioner(db, fake);
		const sealed = person.tokens!.row.accessToken;
		const at = sealed.length - 30;
		const altered = `${sealed.slice(0, at)}${sealed[at] === 'A' ? 'B' : 'A'}${sealed.slice(at + 1)}`;
		await db
			.update(zoomConnections)
			.set({ accessToken: altered })
			.where(eq(zoomConnections.userId, person.user.id));
		const refused = await whoAmI(db, person.user.id).catch((e: unknown) => e);
		expect((refused as ZoomNotConnected).reason).toBe('unreadable');
		const page = await integrationsPageData(person.signedIn);
		expect(page.status).toBe(200);
		expect(page.data).toMatchObject({ status: { connection: { unreadable: true } } });
	});

	it('copied to another practitioner’s row, they do not open there', async () => {
		const first = await zoomPractitioner(db, fake);
		const second = await zoomPractitioner(db, fake);
		await db
			.update(zoomConnections)
			.set({ accessToken: first.tokens!.row.accessToken })
			.where(eq(zoomConnections.userId, second.user.id));
		const refused = await whoAmI(db, second.user.id).catch((e: unknown) => e);
		expect((refused as ZoomNotConnected).reason).toBe('unreadable');
	});
});

describe('health', () => {
	it('counts the practitioner’s upcoming sessions whose meeting failed, and meetings failing is set and cleared', async () => {
		const person = await zoomPractitioner(db, fake);
		const api = await person.browser.api();
		const client = await makeClient(api);
		const nextYear = `${new Date().getUTCFullYear() + 1}-03-02`;
		const { ids } = await makeSessions(api, client.id, {
			date: nextYear,
			repeat: 'weekly',
			count: 3
		});
		const { ids: past } = await makeSessions(api, client.id, { date: '2020-03-02' });
		await db
			.update(sessions)
			.set({ meetingState: 'failed', meetingError: 'Zoom refused' })
			.where(sql`${sessions.id} in (${sql.join([ids[0]!, ids[1]!, past[0]!], sql`, `)})`);
		expect(await markMeetingsFailing(db, person.user.id)).toBe(true);
		expect(await zoomHealth(db, person.user.id)).toEqual({
			configured: true,
			connected: true,
			problem: 'meetings_failing',
			unreadable: false,
			failedCount: 2
		});
		expect(await clearProblem(db, person.user.id)).toBe(true);
		expect((await zoomHealth(db, person.user.id)).problem).toBeNull();
	});
});
