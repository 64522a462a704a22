import { sveltekit } from '@sveltejs/kit/vite';
import tailwindcss from '@tailwindcss/vite';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

type HttpServer = Parameters<
	typeof import('./src/lib/server/realtime/attach').attachRealtime
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
	const { attachRealtime } = await import('./src/lib/server/realtime/attach');
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
	httpServer.once('close', async () => {
		await worker?.stop();
		await database.stop();
	});
	attachRealtime(httpServer);
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
					testTimeout: 30_000,
					hookTimeout: 60_000
				}
			}
		]
	}
});
