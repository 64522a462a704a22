import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq, sql } from 'drizzle-orm';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createEmailToken } from '../../src/lib/server/auth/email-tokens';
import { AUTH_COOKIE } from '../../src/lib/server/auth/session';
import { createDatabase, type Database } from '../../src/lib/server/db';
import { authSessions, series as seriesTable } from '../../src/lib/server/db/schema';
import { serveLiveEvents, type LiveEvents } from '../../src/lib/server/realtime/attach';
import {
	publicSeriesRoom,
	userRoom,
	type PracticeChange,
	type PublicClientToServerEvents,
	type PublicServerToClientEvents,
	type ServerToClientEvents
} from '../../src/lib/realtime-events';
import { publicNamespace } from '../../src/lib/server/realtime/publish';
import { signedUpPractitioner, TestBrowser } from './support/browser';
import { useTestDatabase } from './support/database';
import { publishedSeries, signUp, signUpAndConfirm } from './support/series';

/**
 * Two app instances: each its own HTTP server, socket.io (with the adapter that shares events
 * between instances) and database handle, sharing only the database, as instances behind a load
 * balancer do. The procedures run on a third handle.
 */
let db: Database;
const instances: { http: Server; live: LiveEvents; db: Database; url: string }[] = [];
const sockets: Socket[] = [];

beforeAll(async () => {
	let url: string;
	({ db, url } = await useTestDatabase());
	for (let i = 0; i < 2; i++) {
		const http = createServer();
		const handle = createDatabase(url, { max: 2 });
		const live = await serveLiveEvents(http, url, handle);
		await new Promise<void>((done) => http.listen(0, '127.0.0.1', done));
		const address = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
		instances.push({ http, live, db: handle, url: address });
	}
});

afterAll(async () => {
	for (const socket of sockets) socket.close();
	for (const instance of instances) {
		await instance.live.close();
		await instance.db.$client.end();
	}
});

async function open(instance: number, token: string | null): Promise<Socket<ServerToClientEvents>> {
	const socket: Socket<ServerToClientEvents> = connect(instances[instance]!.url, {
		path: '/socket.io',
		transports: ['websocket'],
		reconnection: false,
		extraHeaders: token ? { cookie: `${AUTH_COOKIE}=${token}` } : {}
	});
	sockets.push(socket);
	await new Promise<void>((done, fail) => {
		socket.once('connect', done);
		socket.once('connect_error', fail);
	});
	return socket;
}

/** A public page's socket on the instance, watching the series' places left. */
async function watch(instance: number, seriesId: string) {
	const watcher: Socket<PublicServerToClientEvents, PublicClientToServerEvents> = connect(
		`${instances[instance]!.url}/public`,
		{ path: '/socket.io', transports: ['websocket'], reconnection: false }
	);
	sockets.push(watcher);
	await new Promise<void>((done) => watcher.once('connect', done));
	await watcher.emitWithAck('series:watch', seriesId);
	return watcher;
}

/** Resolves with what the socket heard once the server closed it, or says it is still open. */
function whenClosed(socket: Socket<ServerToClientEvents>, withinMs = 5000) {
	const heard: string[] = [];
	socket.onAny((event: string) => heard.push(event));
	return new Promise<{ reason: string; heard: string[] }>((done) => {
		const timer = setTimeout(() => done({ reason: 'still open', heard }), withinMs);
		socket.once('disconnect', (reason) => {
			clearTimeout(timer);
			done({ reason, heard });
		});
	});
}

type Ending = (
	person: Awaited<ReturnType<typeof signedUpPractitioner>>,
	ended: TestBrowser
) => Promise<unknown>;

const endings: [string, Ending][] = [
	['signing out', async (_, ended) => (await ended.api()).account.signOut()],
	[
		'signing out of the other devices',
		async ({ browser }) => (await browser.api()).account.signOutOthers()
	],
	[
		'changing the password',
		async ({ browser, password }) =>
			(await browser.api()).account.changePassword({
				currentPassword: password,
				newPassword: 'a brand new passphrase 7'
			})
	],
	[
		'resetting the password',
		async ({ user }) => {
			const token = await createEmailToken(db, user.id, 'reset_password');
			await (
				await new TestBrowser(db).api()
			).account.resetPassword({ token, password: 'a brand new passphrase 7' });
		}
	]
];

describe('a sign-in that ends', () => {
	it.each(endings)(
		'closes its sockets on every instance at once when it ends by %s',
		async (_, end) => {
			const person = await signedUpPractitioner(db);
			const phone = new TestBrowser(db);
			await (await phone.api()).account.signIn({ email: person.email, password: person.password });
			const bystander = await signedUpPractitioner(db, 'Bystander');

			const onFirst = await open(0, phone.token);
			const onSecond = await open(1, phone.token);
			const other = await open(1, bystander.browser.token);
			const closed = [whenClosed(onFirst), whenClosed(onSecond)];
			const otherHeard: string[] = [];
			other.onAny((event: string) => otherHeard.push(event));

			await end(person, phone);
			for (const socket of await Promise.all(closed)) {
				expect(socket).toEqual({ reason: 'io server disconnect', heard: ['auth:revoked'] });
			}
			expect(other.connected).toBe(true);
			expect(otherHeard).toEqual([]);
		}
	);
});

describe('an event published on one instance', () => {
	it('reaches its owner’s sockets on every instance, and no one else’s', async () => {
		const owner = await signedUpPractitioner(db);
		const bystander = await signedUpPractitioner(db, 'Bystander');
		const [here, there, other] = [
			await open(0, owner.browser.token),
			await open(1, owner.browser.token),
			await open(1, bystander.browser.token)
		];
		const otherHeard: string[] = [];
		other.onAny((event: string) => otherHeard.push(event));
		const change: PracticeChange = { entity: 'client', ids: ['c1'] };
		for (const [from, to] of [
			[0, there],
			[1, here]
		] as const) {
			const heard = new Promise((done) => to.once('practice:changed', done));
			instances[from]!.live.io.to(userRoom(owner.user.id)).emit('practice:changed', change);
			expect(await heard).toEqual(change);
		}
		expect(otherHeard).toEqual([]);
	});

	it('reaches the watchers of a public page on every instance', async () => {
		const seriesId = '6f1c2d3e-4a5b-4c6d-8e7f-901234567890';
		const watcher = await watch(1, seriesId);
		const heard = new Promise((done) => watcher.once('series:spots', done));
		publicNamespace(instances[0]!.live.io)
			.to(publicSeriesRoom(seriesId))
			.emit('series:spots', { seriesId, spotsLeft: 3 });
		expect(await heard).toEqual({ seriesId, spotsLeft: 3 });
	});
});

/**
 * Ends the test database's connections that LISTEN, as a database restart does: the live-events
 * adapter's (`sessionboard-live`), or the app's own for ended sign-ins.
 */
async function loseListeners(which: 'adapter' | 'sign-outs') {
	const adapter = sql`application_name = 'sessionboard-live'`;
	const ended = await db.execute<{ ended: boolean }>(sql`
		select pg_terminate_backend(pid) as ended from pg_stat_activity
		where datname = current_database() and query ilike 'listen%'
		and ${which === 'adapter' ? adapter : sql`not (${adapter})`}`);
	// Each instance has one of each.
	expect(ended.map((row) => row.ended)).toEqual([true, true]);
}

describe('once a LISTEN lost to a database restart is made again', () => {
	it('every page is told to load again, and events cross instances again', async () => {
		const owner = await signedUpPractitioner(db);
		const pages = [await open(0, owner.browser.token), await open(1, owner.browser.token)];
		const resynced = pages.map(
			(socket) => new Promise<void>((done) => socket.once('live:resync', done))
		);
		await loseListeners('adapter');
		// The adapter connects again after one to three seconds.
		await Promise.all(resynced);

		const change: PracticeChange = { entity: 'client', ids: ['c2'] };
		const heard = new Promise((done) => pages[1]!.once('practice:changed', done));
		instances[0]!.live.io.to(userRoom(owner.user.id)).emit('practice:changed', change);
		expect(await heard).toEqual(change);
	});

	it('public pages are sent the places left, whatever changed them meanwhile', async () => {
		const owner = await signedUpPractitioner(db);
		const series = await publishedSeries(await owner.browser.api());
		await signUpAndConfirm(db, series.slug, 1);
		// Pending: no place taken.
		await signUp(db, series.slug, 2);
		const watchers = [await watch(0, series.id), await watch(0, series.id.toUpperCase())];
		// A watch of no series, which would make the count's query fail for every page.
		const stray = await watch(0, '-'.repeat(36));
		const heard = watchers.map(
			(watcher) => new Promise((done) => watcher.once('series:spots', done))
		);
		const strayHeard = vi.fn();
		stray.on('series:spots', strayHeard);
		// Changed with no announcement, as one announced while this instance was not listening.
		await db.update(seriesTable).set({ capacity: 7 }).where(eq(seriesTable.id, series.id));

		await loseListeners('adapter');
		for (const update of await Promise.all(heard)) {
			expect(update).toEqual({ seriesId: series.id, spotsLeft: 6 });
		}
		expect(strayHeard).not.toHaveBeenCalled();
	});

	it('the sockets of sign-ins ended meanwhile, unheard, are closed', async () => {
		const person = await signedUpPractitioner(db);
		const phone = new TestBrowser(db);
		await (await phone.api()).account.signIn({ email: person.email, password: person.password });
		const onPhone = await open(0, phone.token);
		const [phoneSession] = (await instances[0]!.live.io.local.fetchSockets())
			.filter((socket) => socket.data.userId === person.user.id)
			.map((socket) => socket.data.sessionId);
		const onDesk = await open(0, person.browser.token);
		// Each instance listens for ended sign-ins from its first handshake on.
		await open(1, person.browser.token);
		const closed = whenClosed(onPhone, 15_000);
		// Ended with no notice, as one ended while this instance was not listening.
		await db.delete(authSessions).where(eq(authSessions.id, phoneSession!));

		await loseListeners('sign-outs');
		expect(await closed).toEqual({ reason: 'io server disconnect', heard: ['auth:revoked'] });
		expect(onDesk.connected).toBe(true);
	});
});
