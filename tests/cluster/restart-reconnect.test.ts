import { io, type Socket } from 'socket.io-client';
import { afterAll, expect, it } from 'vitest';
import { AUTH_COOKIE, createAuthSession } from '../../src/lib/server/auth/session';
import { users } from '../../src/lib/server/db/schema';
import { useTestDatabase } from '../integration/support/database';
import { waitFor } from '../integration/support/wait';
import { startInstance, stopInstances } from './support/instance';

const sockets: Socket[] = [];

afterAll(async () => {
	for (const socket of sockets) socket.close();
	await stopInstances();
});

it('an open dashboard reconnects by itself after its instance is stopped (SIGTERM) and started again', async () => {
	const { db, url } = await useTestDatabase();
	const [user] = await db
		.insert(users)
		.values({ name: 'Rae Restart', email: 'rae@example.com', ageConfirmedAt: new Date() })
		.returning({ id: users.id });
	const { token } = await createAuthSession(db, user!.id, { ip: '127.0.0.1', userAgent: 'test' });
	const first = await startInstance({ databaseUrl: url });

	// As the dashboard opens its connection (src/lib/realtime.svelte.ts): WebSocket alone, with
	// socket.io's reconnection.
	const socket = io(first.origin, {
		path: '/socket.io',
		transports: ['websocket'],
		extraHeaders: { cookie: `${AUTH_COOKIE}=${token}`, origin: first.origin }
	});
	sockets.push(socket);
	let connects = 0;
	const reasons: string[] = [];
	socket.on('connect', () => (connects += 1));
	socket.on('disconnect', (reason) => reasons.push(reason));
	await waitFor('the first connection', () => connects === 1);

	expect(await first.stop('SIGTERM')).toBe(0);
	await waitFor('the disconnect', () => reasons.length === 1);
	// socket.io's own disconnect ("io server disconnect") would tell the page not to come back.
	expect(socket.active).toBe(true);

	await startInstance({ databaseUrl: url, port: first.port });
	await waitFor('the reconnect', () => connects === 2, 30_000);
	expect(reasons).toEqual(['transport close']);
});
