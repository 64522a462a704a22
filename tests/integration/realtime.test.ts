import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { AUTH_COOKIE, invalidateAuthSession } from '../../src/lib/server/auth/session';
import type { Database } from '../../src/lib/server/db';
import { authSessions } from '../../src/lib/server/db/schema';
import { attachRealtime } from '../../src/lib/server/realtime/attach';
import {
	publicNamespace,
	publishSpotsLeft,
	publishToUser,
	registerRealtimeServer,
	type RealtimeServer
} from '../../src/lib/server/realtime/publish';
import {
	publicSeriesRoom,
	type PublicClientToServerEvents,
	type PublicServerToClientEvents,
	type ServerToClientEvents
} from '../../src/lib/realtime-events';
import { signedUpPractitioner, TestBrowser } from './support/browser';
import { useTestDatabase } from './support/database';
import { publishedSeries, signUpAndConfirm } from './support/series';
import { waitFor } from './support/wait';

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

function open(token: string | null, origin?: string): Socket<ServerToClientEvents> {
	const socket: Socket<ServerToClientEvents> = connect(url, {
		path: '/socket.io',
		transports: ['websocket'],
		reconnection: false,
		extraHeaders: {
			...(token ? { cookie: `${AUTH_COOKIE}=${token}` } : {}),
			...(origin ? { origin } : {})
		}
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

const isEqual = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

describe('socket handshake', () => {
	it('refuses a connection without a cookie, with a forged token and after sign-out', async () => {
		expect(await outcome(open(null))).toBe('unauthorized');
		expect(await outcome(open('abc.def'))).toBe('unauthorized');
		const { browser } = await signedUpPractitioner(db);
		const token = browser.token!;
		await (await browser.api()).account.signOut();
		expect(await outcome(open(token))).toBe('unauthorized');
	});

	it('refuses a sign-in that ends while its socket is being admitted', async () => {
		const { browser } = await signedUpPractitioner(db);
		const [sessionId] = browser.token!.split('.');
		// Last used an hour ago: admitting the socket writes to the sign-in's row.
		await db
			.update(authSessions)
			.set({ lastSeenAt: new Date(Date.now() - 60 * 60 * 1000) })
			.where(eq(authSessions.id, sessionId!));
		let commit!: () => void;
		const signedOut = db.transaction(async (tx) => {
			await invalidateAuthSession(tx, sessionId!);
			await new Promise<void>((done) => (commit = done));
		});
		await waitFor('the sign-out to start', () => commit !== undefined);
		// The handshake reads the row (the sign-out is not committed), then waits on its lock.
		// Listening from the start: the refusal may arrive before the sign-out's commit returns here.
		const admitted = outcome(open(browser.token));
		await waitFor('the handshake to wait for the sign-out', async () => {
			const waiting = await db.execute(sql`
				select 1 from pg_stat_activity
				where datname = current_database() and wait_event_type = 'Lock'`);
			return waiting.length > 0;
		});
		commit();
		await signedOut;
		expect(await admitted).toBe('unauthorized');
	});

	it('refuses a page of another site, even with a valid cookie, and admits the app’s own', async () => {
		const { browser } = await signedUpPractitioner(db);
		const cookie = `${AUTH_COOKIE}=${browser.token}`;
		for (const origin of ['http://evil.test', 'null', `${url}.evil.test`]) {
			expect(await outcome(open(browser.token, origin))).toBe('websocket error');
		}
		// Nor is there a long-polling handshake, the one a page's script could read the answer of:
		// not for the app's own pages either, which connect over WebSocket alone.
		for (const origin of ['http://evil.test', url]) {
			const polling = await fetch(`${url}/socket.io/?EIO=4&transport=polling`, {
				headers: { origin, cookie }
			});
			expect(polling.status).toBe(400);
		}
		expect(await outcome(open(browser.token, url))).toBe('connected');
		process.env.ORIGIN = 'https://sessions.example.org';
		try {
			expect(await outcome(open(browser.token, 'https://sessions.example.org'))).toBe('connected');
		} finally {
			delete process.env.ORIGIN;
		}
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
		const aliceProfile = {
			event: 'profile:updated',
			args: [{ name: 'Alice B.', timeZone: 'UTC', locale: 'en-GB', clock: 'locale' }]
		};
		await waitFor(
			'Alice’s profile on both her sockets',
			() => deskSeen.length === 1 && tabSeen.length === 1
		);
		expect(deskSeen).toEqual([aliceProfile]);
		expect(tabSeen).toEqual([aliceProfile]);

		// One connection delivers in the order the server sent: once an event published to Bob after
		// Alice's has reached him, hers would have too, had it gone to him.
		const bobProfile = {
			event: 'profile:updated',
			args: [{ name: 'Bob', timeZone: 'UTC', locale: 'en-GB', clock: 'locale' }]
		};
		publishToUser(bob.user.id, 'profile:updated', {
			name: 'Bob',
			timeZone: 'UTC',
			locale: 'en-GB',
			clock: 'locale'
		});
		await waitFor('Bob’s own event', () => bobSeen.some((e) => isEqual(e, bobProfile)));
		expect(bobSeen).toEqual([bobProfile]);

		// And the other way round: Bob's event reached neither of Alice's sockets.
		const aliceAgain = {
			event: 'profile:updated',
			args: [{ name: 'Alice', timeZone: 'UTC', locale: 'en-GB', clock: 'locale' }]
		};
		publishToUser(alice.user.id, 'profile:updated', {
			name: 'Alice',
			timeZone: 'UTC',
			locale: 'en-GB',
			clock: 'locale'
		});
		await waitFor('Alice’s second event on both her sockets', () =>
			[deskSeen, tabSeen].every((seen) => seen.some((e) => isEqual(e, aliceAgain)))
		);
		expect(deskSeen).toEqual([aliceProfile, aliceAgain]);
		expect(tabSeen).toEqual([aliceProfile, aliceAgain]);
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
		// Another series' room, for the bystander to join after its forged name: the server handles a
		// socket's messages in order, so once it is in there, the forged one was handled too.
		const elsewhere = randomUUID();
		const rooms = (socket: Socket) => [
			...(publicNamespace(io).sockets.get(socket.id!)?.rooms ?? [])
		];
		watcher.emit('series:watch', id);
		bystander.emit('series:watch', `${id}:evil` as string);
		bystander.emit('series:watch', elsewhere);
		await waitFor(
			'both watches handled',
			() =>
				rooms(watcher).includes(publicSeriesRoom(id)) &&
				rooms(bystander).includes(publicSeriesRoom(elsewhere))
		);
		// A room name that is not a series id joins nothing.
		expect(rooms(bystander).sort()).toEqual([bystander.id, publicSeriesRoom(elsewhere)].sort());

		await signUpAndConfirm(db, slug, 1);
		const final = { event: 'series:spots', args: [{ seriesId: id, spotsLeft: 1 }] };
		await waitFor('the final count', () => isEqual(watcherSeen.at(-1), final));
		// Every event of the signup was sent before it returned. An event sent after it on each
		// connection arrives after them, so what came before it is all that came.
		const profile = { name: 'marker', timeZone: 'UTC', locale: 'en-GB', clock: 'locale' } as const;
		const marker = { event: 'profile:updated', args: [profile] };
		for (const person of [owner, other]) publishToUser(person.user.id, 'profile:updated', profile);
		publishSpotsLeft(elsewhere, 7);
		const spotsElsewhere = { event: 'series:spots', args: [{ seriesId: elsewhere, spotsLeft: 7 }] };
		await waitFor(
			'the markers',
			() =>
				isEqual(ownerSeen.at(-1), marker) &&
				isEqual(otherSeen.at(-1), marker) &&
				isEqual(bystanderSeen.at(-1), spotsElsewhere)
		);
		ownerSeen.pop();

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
		expect(otherSeen).toEqual([marker]);
		expect(bystanderSeen).toEqual([spotsElsewhere]);
	});
});
