import { sveltekit } from '@sveltejs/kit/vite';
import tailwindcss from '@tailwindcss/vite';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';
import { prepareDatabase } from './src/lib/server/db/prepare';
import { startAppJobs } from './src/lib/server/jobs/worker';
import { attachRealtime } from './src/lib/server/realtime/attach';

/** The job worker lives as long as the server: a restart of the dev server starts a new one. */
async function workAlongside(
	httpServer: { once(event: 'close', listener: () => void): unknown } | null,
	url: string
): Promise<void> {
	const worker = await startAppJobs(url);
	httpServer?.once('close', () => void worker?.stop());
}

/**
 * Dev and preview servers: the database first, then the job worker, then socket.io on Vite's own
 * HTTP server.
 */
function realtime(): Plugin {
	return {
		name: 'sessionboard-realtime',
		async configureServer(server) {
			const database = await prepareDatabase();
			await workAlongside(server.httpServer, database.url);
			if (server.httpServer) attachRealtime(server.httpServer);
		},
		async configurePreviewServer(server) {
			const database = await prepareDatabase();
			await workAlongside(server.httpServer, database.url);
			attachRealtime(server.httpServer);
		}
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
