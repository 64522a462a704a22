import { sveltekit } from '@sveltejs/kit/vite';
import tailwindcss from '@tailwindcss/vite';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';
import { prepareDatabase } from './src/lib/server/db/prepare';
import { attachRealtime } from './src/lib/server/realtime/attach';

/** Dev and preview servers: the database first, then socket.io on Vite's own HTTP server. */
function realtime(): Plugin {
	return {
		name: 'sessionboard-realtime',
		async configureServer(server) {
			await prepareDatabase();
			if (server.httpServer) attachRealtime(server.httpServer);
		},
		async configurePreviewServer(server) {
			await prepareDatabase();
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
