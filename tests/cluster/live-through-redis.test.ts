/**
 * With REDIS_URL, live events cross app instances through Redis (socket.io's Redis adapter), not
 * PostgreSQL: here a fake Redis that counts every PUBLISH and can lose them on purpose.
 */
import { request as playwrightRequest } from '@playwright/test';
import { createClient } from 'redis';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH_COOKIE } from '../../src/lib/server/auth/session';
import type { Database } from '../../src/lib/server/db';
import type { PracticeChange, ServerToClientEvents } from '../../src/lib/realtime-events';
import { createClient as createPracticeClient } from '../e2e/support/practice';
import { startFakeRedis, type FakeRedis } from '../fakes/redis';
import { signedUpPractitioner } from '../integration/support/browser';
import { useTestDatabase } from '../integration/support/database';
import { waitFor } from '../integration/support/wait';
import { startInstance, stopInstances, type Instance } from './support/instance';

let db: Database;
let redis: FakeRedis;
let first: Instance;
let second: Instance;
const sockets: Socket[] = [];

beforeAll(async () => {
	let url: string;
	({ db, url } = await useTestDatabase());
	redis = await startFakeRedis();
	const env = { REDIS_URL: redis.url };
	[first, second] = await Promise.all([
		startInstance({ databaseUrl: url, env }),
		startInstance({ databaseUrl: url, env })
	]);
});

afterAll(async () => {
	for (const socket of sockets) socket.close();
	await stopInstances();
	await redis?.stop();
});

describe('the fake Redis', () => {
	it.each([2, 3] as const)('carries pub/sub for node-redis speaking RESP%i', async (RESP) => {
		const publisher = createClient({ url: redis.url, RESP });
		const subscriber = publisher.duplicate();
		await Promise.all([publisher.connect(), subscriber.connect()]);
		try {
			const heard: string[] = [];
			await subscriber.subscribe('plain', (message, channel) =>
				heard.push(`${channel}:${message}`)
			);
			await subscriber.pSubscribe('pat[a-c]ern#*', (message, channel) =>
				heard.push(`${channel}:${message}`)
			);
			expect(await publisher.publish('plain', 'one')).toBe(1);
			expect(await publisher.publish('patbern#/x', 'two')).toBe(1);
			expect(await publisher.publish('patdern#/x', 'none')).toBe(0);
			expect(await publisher.sendCommand(['PUBSUB', 'NUMSUB', 'plain'])).toEqual(
				RESP === 3 ? { plain: 1 } : ['plain', 1]
			);
			expect(await publisher.ping()).toBe('PONG');
			await waitFor('both messages', () => heard.length === 2);
			expect(heard).toEqual(['plain:one', 'patbern#/x:two']);
			await subscriber.unsubscribe('plain');
			expect(await publisher.publish('plain', 'after')).toBe(0);
		} finally {
			await Promise.all([publisher.close(), subscriber.close()]);
		}
	});
});

describe('two instances with REDIS_URL', () => {
	it("carry a change made through one to the other's pages through Redis, and only through it", async () => {
		const person = await signedUpPractitioner(db, 'Robin Redis');
		const cookie = `${AUTH_COOKIE}=${person.browser.token}`;
		const page: Socket<ServerToClientEvents> = connect(second.origin, {
			path: '/socket.io',
			transports: ['websocket'],
			reconnection: false,
			extraHeaders: { cookie }
		});
		sockets.push(page);
		await new Promise<void>((done, fail) => {
			page.once('connect', done);
			page.once('connect_error', fail);
		});
		const changes: PracticeChange[] = [];
		page.on('practice:changed', (change) => changes.push(change));
		// The first instance's tRPC endpoint, as the practitioner's other browser calls it.
		const onFirst = await playwrightRequest.newContext({
			baseURL: first.origin,
			extraHTTPHeaders: { cookie }
		});
		const heardClient = (id: string) =>
			changes.some((c) => c.entity === 'client' && c.ids[0] === id);

		try {
			const publishedBefore = redis.published.length;
			const crossed = await createPracticeClient(onFirst, { name: 'Ada Crossing' });
			await waitFor('the change on the second instance', () => heardClient(crossed.id));
			// To the practitioner's room, heard by both instances (the sender ignores its own).
			const toRoom = redis.published
				.slice(publishedBefore)
				.filter((p) => p.channel === `sessionboard#/#user:${person.user.id}#`);
			expect(toRoom.map((p) => p.receivers)).toEqual([2]);

			// Redis loses the next one: the second instance hears nothing of it. A change after it
			// travels the same way, so once that one has arrived, the lost one never will.
			redis.dropPublishes(true);
			const droppedBefore = redis.published.length;
			const lost = await createPracticeClient(onFirst, { name: 'Bea Lost' });
			// The adapter publishes without waiting: the answer can come before Redis has it.
			await waitFor('Redis to drop the change', () =>
				redis.published
					.slice(droppedBefore)
					.some((p) => p.channel === `sessionboard#/#user:${person.user.id}#` && p.receivers === 0)
			);
			redis.dropPublishes(false);
			const after = await createPracticeClient(onFirst, { name: 'Cy After' });
			await waitFor('the change after the lost one', () => heardClient(after.id));
			expect(heardClient(lost.id)).toBe(false);
		} finally {
			await onFirst.dispose();
		}
	});
});
