import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmailToken } from '../../src/lib/server/auth/email-tokens';
import { AUTH_COOKIE } from '../../src/lib/server/auth/session';
import { createDatabase, type Database } from '../../src/lib/server/db';
import { attachRealtime } from '../../src/lib/server/realtime/attach';
import type { RealtimeServer } from '../../src/lib/server/realtime/publish';
import type { ServerToClientEvents } from '../../src/lib/realtime-events';
import { signedUpPractitioner, TestBrowser } from './support/browser';
import { useTestDatabase } from './support/database';

/**
 * Two app instances: each its own HTTP server, socket.io and database handle, sharing only the
 * database, as instances behind a load balancer do. The procedures run on a third handle.
 */
let db: Database;
const instances: { http: Server; io: RealtimeServer; db: Database; url: string }[] = [];
const sockets: Socket[] = [];

beforeAll(async () => {
	let url: string;
	({ db, url } = await useTestDatabase());
	for (let i = 0; i < 2; i++) {
		const http = createServer();
		const handle = createDatabase(url, { max: 2 });
		const io = attachRealtime(http, handle);
		await new Promise<void>((done) => http.listen(0, '127.0.0.1', done));
		const address = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
		instances.push({ http, io, db: handle, url: address });
	}
});

afterAll(async () => {
	for (const socket of sockets) socket.close();
	for (const instance of instances) {
		await instance.io.close();
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
