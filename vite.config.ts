import { sveltekit } from '@sveltejs/kit/vite';
import tailwindcss from '@tailwindcss/vite';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

type HttpServer = Parameters<
	typeof import('./src/lib/server/realtime/attach').serveLiveEvents
>[0] & {
	once(event: 'close' | 'listening', listener: () => void): unknown;
	address(): import('node:net').AddressInfo | string | null;
};

/**
 * Dev and preview servers: the database first, then the job worker, then socket.io on Vite's own
 * HTTP server. The job worker lives as long as the server: a restart of the dev server starts a
 * new one. Loaded only here, so that a build or a test run never loads the database's modules.
 */
async function serveAlongside(httpServer: HttpServer | null): Promise<void> {
	const { prepareDatabase } = await import('./src/lib/server/db/prepare');
	const { startAppJobs } = await import('./src/lib/server/jobs/worker');
	const { serveLiveEvents } = await import('./src/lib/server/realtime/attach');
	const { config } = await import('./src/lib/server/config');
	const { usesOutbox } = await import('./src/lib/server/email/mailer');
	const { openOutbox } = await import('./src/lib/server/email/outbox-access');
	const database = await prepareDatabase();
	const worker = await startAppJobs(database.url);
	if (!httpServer) return;
	httpServer.once('listening', () => {
		const address = httpServer.address();
		if (!usesOutbox() || typeof address !== 'object' || !address) return;
		const outbox = openOutbox(`http://localhost:${address.port}`, config().DATA_DIR);
		console.log(`  Local outbox (no SMTP_URL set), for you alone: ${outbox}`);
	});
	const live = await serveLiveEvents(httpServer, database.url);
	httpServer.once('close', async () => {
		await live.close();
		await worker?.stop();
		await database.stop();
	});
}

function realtime(): Plugin {
	return {
		name: 'sessionboard-realtime',
		configureServer: (server) => serveAlongside(server.httpServer),
		configurePreviewServer: (server) => serveAlongside(server.httpServer)
	};
}

export default defineConfig({
	plugins: [tailwindcss(), sveltekit(), ...(process.env.VITEST ? [] : [realtime()])],
	test: {
		// The local outbox prints each email; only a failing test's output is worth reading.
		silent: 'passed-only',
		projects: [
			{
				extends: true,
				test: { name: 'unit', include: ['src/**/*.spec.ts'], environment: 'node' }
			},
			{
				extends: true,
				test: {
					name: 'integration',
					include: ['tests/integration/**/*.test.ts'],
					environment: 'node',
					globalSetup: ['tests/integration/support/global-setup.ts'],
					// The files mostly wait on PostgreSQL and on timers: two at a time even on two cores.
					maxWorkers: 2,
					// A file's first hook starts a Vite server, which compiles each page on its first
					// request: on a loaded machine, the hook has taken over a minute and a first page 25 s.
					testTimeout: 60_000,
					hookTimeout: 180_000
				}
			},
			{
				extends: true,
				test: {
					name: 'cluster',
					include: ['tests/cluster/**/*.test.ts'],
					environment: 'node',
					globalSetup: ['tests/cluster/support/global-setup.ts'],
					// Each file runs app instances of its own: one file at a time on two cores.
					fileParallelism: false,
					testTimeout: 120_000,
					hookTimeout: 120_000
				}
			}
		]
	}
});
