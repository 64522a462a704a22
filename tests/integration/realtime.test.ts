import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH_COOKIE } from '../../src/lib/server/auth/session';
import type { Database } from '../../src/lib/server/db';
import { attachRealtime } from '../../src/lib/server/realtime/attach';
import {
	publishToUser,
	registerRealtimeServer,
	type RealtimeServer
} from '../../src/lib/server/realtime/publish';
import type {
	PublicClientToServerEvents,
	PublicServerToClientEvents,
	ServerToClientEvents
} from '../../src/lib/realtime-events';
import { signedUpPractitioner, TestBrowser } from './support/browser';
import { useTestDatabase } from './support/database';
import { publishedSeries, signUpAndConfirm } from './support/series';

let db: Database;
let http: Server;
let io: RealtimeServer;
let url: string;
const sockets: Socket[] = [];

beforeAll(async () => {
	({ db } = await useTestDatabase());
	http = createServer();
	io = attachRealtime(http);
	await new Promise<void>((done) => http.listen(0, '127.0.0.1', done));
	url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});

afterAll(async () => {
	for (const socket of sockets) socket.close();
	registerRealtimeServer(undefined);
	await io.close();
});

function open(token: string | null): Socket<ServerToClientEvents> {
	const socket: Socket<ServerToClientEvents> = connect(url, {
		path: '/socket.io',
		transports: ['websocket'],
		reconnection: false,
		extraHeaders: token ? { cookie: `${AUTH_COOKIE}=${token}` } : {}
	});
	sockets.push(socket);
	return socket;
}

function outcome(socket: Socket): Promise<'connected' | string> {
	return new Promise((done) => {
		if (socket.connected) return done('connected');
		socket.once('connect', () => done('connected'));
		socket.once('connect_error', (error) => done(error.message));
	});
}

/** Collects a socket's events by name, to assert both what arrived and what did not. */
function record(socket: Pick<Socket, 'onAny'>) {
	const seen: { event: string; args: unknown[] }[] = [];
	socket.onAny((event: string, ...args: unknown[]) => seen.push({ event, args }));
	return seen;
}

const until = async (check: () => boolean, ms = 3000) => {
	const start = Date.now();
	while (!check()) {
		if (Date.now() - start > ms) throw new Error('timed out waiting');
		await new Promise((r) => setTimeout(r, 10));
	}
};

describe('socket handshake', () => {
	it('refuses a connection without a cookie, with a forged token and after sign-out', async () => {
		expect(await outcome(open(null))).toBe('unauthorized');
		expect(await outcome(open('abc.def'))).toBe('unauthorized');
		const { browser } = await signedUpPractitioner(db);
		const token = browser.token!;
		await (await browser.api()).account.signOut();
		expect(await outcome(open(token))).toBe('unauthorized');
	});
});

describe('rooms', () => {
	it('delivers a user’s events to each of their sockets and never to another user', async () => {
		const alice = await signedUpPractitioner(db, 'Alice');
		const bob = await signedUpPractitioner(db, 'Bob');
		const aliceTablet = new TestBrowser(db);
		await (
			await aliceTablet.api()
		).account.signIn({ email: alice.email, password: alice.password });

		const aliceDesk = open(alice.browser.token);
		const aliceTab = open(aliceTablet.token);
		const bobDesk = open(bob.browser.token);
		for (const socket of [aliceDesk, aliceTab, bobDesk])
			expect(await outcome(socket)).toBe('connected');
		const [deskSeen, tabSeen, bobSeen] = [record(aliceDesk), record(aliceTab), record(bobDesk)];

		await (
			await alice.browser.api()
		).account.updateProfile({
			name: 'Alice B.',
			timeZone: 'UTC',
			currency: 'EUR',
			locale: 'en-GB',
			clock: 'locale'
		});
		await until(() => deskSeen.length === 1 && tabSeen.length === 1);
		expect(tabSeen[0]).toEqual({
			event: 'profile:updated',
			args: [{ name: 'Alice B.', timeZone: 'UTC', locale: 'en-GB', clock: 'locale' }]
		});

		publishToUser(bob.user.id, 'profile:updated', {
			name: 'Bob',
			timeZone: 'UTC',
			locale: 'en-GB',
			clock: 'locale'
		});
		await until(() => bobSeen.length === 1);
		expect(deskSeen).toHaveLength(1);
		expect(tabSeen).toHaveLength(1);
	});

	it('signing out of other devices tells exactly those sockets to leave and closes them', async () => {
		const carol = await signedUpPractitioner(db, 'Carol');
		const phone = new TestBrowser(db);
		await (await phone.api()).account.signIn({ email: carol.email, password: carol.password });
		const kept = open(carol.browser.token);
		const ended = open(phone.token);
		expect(await outcome(kept)).toBe('connected');
		expect(await outcome(ended)).toBe('connected');
		const [keptSeen, endedSeen] = [record(kept), record(ended)];
		const closed = new Promise<string>((done) => ended.once('disconnect', done));

		await (await carol.browser.api()).account.signOutOthers();
		expect(await closed).toBe('io server disconnect');
		expect(endedSeen.map((e) => e.event)).toEqual(['auth:revoked']);
		expect(keptSeen).toEqual([]);
		expect(kept.connected).toBe(true);
	});
});

describe('series events', () => {
	function openPublic(): Socket<PublicServerToClientEvents, PublicClientToServerEvents> {
		const socket: Socket<PublicServerToClientEvents, PublicClientToServerEvents> = connect(
			`${url}/public`,
			{ path: '/socket.io', transports: ['websocket'], reconnection: false }
		);
		sockets.push(socket);
		return socket;
	}

	it('tells only the owner who signed up, and the public page only how many spots are left', async () => {
		const owner = await signedUpPractitioner(db, 'Owner');
		const other = await signedUpPractitioner(db, 'Other');
		const { id, slug } = await publishedSeries(await owner.browser.api(), { capacity: 2 });
		const ownerDesk = open(owner.browser.token);
		const otherDesk = open(other.browser.token);
		const watcher = openPublic();
		const bystander = openPublic();
		for (const socket of [ownerDesk, otherDesk, watcher, bystander])
			expect(await outcome(socket)).toBe('connected');
		const [ownerSeen, otherSeen, watcherSeen, bystanderSeen] = [
			record(ownerDesk),
			record(otherDesk),
			record(watcher),
			record(bystander)
		];
		watcher.emit('series:watch', id);
		// A room name that is not a series id joins nothing.
		bystander.emit('series:watch', `${id}:evil` as string);
		await new Promise((r) => setTimeout(r, 100));

		await signUpAndConfirm(db, slug, 1);
		const final = { event: 'series:spots', args: [{ seriesId: id, spotsLeft: 1 }] };
		await until(() => JSON.stringify(watcherSeen.at(-1)) === JSON.stringify(final));
		await new Promise((r) => setTimeout(r, 300));

		// The signup and its confirmation, announced together or apart: ids, never who it was.
		const changed = { event: 'practice:changed', args: [{ entity: 'subscriber', ids: [id] }] };
		expect(ownerSeen.length).toBeGreaterThan(0);
		expect(ownerSeen.length).toBeLessThanOrEqual(2);
		for (const seen of ownerSeen) expect(seen).toEqual(changed);
		expect(watcherSeen.at(-1)).toEqual(final);
		for (const seen of watcherSeen) {
			expect(seen.event).toBe('series:spots');
			expect(Object.keys(seen.args[0] as object).sort()).toEqual(['seriesId', 'spotsLeft']);
		}
		expect(JSON.stringify([...ownerSeen, ...watcherSeen])).not.toMatch(/visitor1|Visitor 1/i);
		expect(otherSeen).toEqual([]);
		expect(bystanderSeen).toEqual([]);
	});
});
