/**
 * `npm run start:cluster` as someone trying scale-out runs it: two instances and a worker that
 * answer, share live events, and all end with one SIGTERM.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request as playwrightRequest } from '@playwright/test';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, expect, it } from 'vitest';
import { AUTH_COOKIE } from '../../src/lib/server/auth/session';
import type { PracticeChange, ServerToClientEvents } from '../../src/lib/realtime-events';
import { createClient as createPracticeClient } from '../e2e/support/practice';
import { signedUpPractitioner } from '../integration/support/browser';
import { useTestDatabase } from '../integration/support/database';
import { waitFor } from '../integration/support/wait';
import { freePort, startProcess, stopInstances } from './support/instance';

const dataDir = mkdtempSync(join(tmpdir(), 'sessionboard-cluster-'));

afterAll(async () => {
	await stopInstances();
	rmSync(dataDir, { recursive: true, force: true });
});

/** PORT for the cluster: a free port whose next one is free too. */
async function twoFreePorts(): Promise<number> {
	for (;;) {
		const port = await freePort();
		const probe = createServer();
		const nextFree = await new Promise<boolean>((answer) => {
			probe.once('error', () => answer(false));
			probe.listen(port + 1, '127.0.0.1', () => probe.close(() => answer(true)));
		});
		if (nextFree) return port;
	}
}

it('starts two instances and a worker that share live events, and SIGTERM ends them all with 0', async () => {
	const { db, url } = await useTestDatabase();
	const port = await twoFreePorts();
	const cluster = await startProcess(['--import', 'tsx', 'src/cli/cluster.ts'], {
		env: {
			DATABASE_URL: url,
			PORT: String(port),
			HOST: '127.0.0.1',
			CLUSTER_SIZE: '2',
			DATA_DIR: dataDir
		},
		ready: 'Sessionboard cluster ready'
	});
	expect(cluster.output()).toContain(`app 1: http://localhost:${port}`);
	expect(cluster.output()).toContain(`app 2: http://localhost:${port + 1}`);
	const origins = [`http://127.0.0.1:${port}`, `http://127.0.0.1:${port + 1}`];
	for (const origin of origins) expect((await fetch(`${origin}/healthz`)).status).toBe(200);

	const person = await signedUpPractitioner(db, 'Robin Trying');
	const cookie = `${AUTH_COOKIE}=${person.browser.token}`;
	const page: Socket<ServerToClientEvents> = connect(origins[1]!, {
		transports: ['websocket'],
		reconnection: false,
		extraHeaders: { cookie }
	});
	const changes: PracticeChange[] = [];
	page.on('practice:changed', (change) => changes.push(change));
	await new Promise<void>((done, fail) => page.once('connect', done).once('connect_error', fail));
	const onFirst = await playwrightRequest.newContext({
		baseURL: origins[0],
		extraHTTPHeaders: { cookie }
	});
	try {
		const created = await createPracticeClient(onFirst, { name: 'Ada Across' });
		await waitFor('the change on the second instance', () =>
			changes.some((c) => c.entity === 'client' && c.ids[0] === created.id)
		);
	} finally {
		await onFirst.dispose();
		page.close();
	}

	expect(await cluster.stop('SIGTERM')).toBe(0);
	for (const origin of origins) await expect(fetch(`${origin}/healthz`)).rejects.toThrow();
	expect(cluster.output()).not.toMatch(/exited \(|TypeError/);
});
