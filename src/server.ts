/**
 * Production entry, bundled to build/server.js next to SvelteKit's build/index.js: prepares the
 * database, starts the job worker, starts the app's HTTP server, and attaches socket.io to it.
 */
import type { Server } from 'node:http';
import { config } from './lib/server/config';
import { prepareDatabase } from './lib/server/db/prepare';
import { startWorker } from './lib/server/jobs/worker';
import { attachRealtime } from './lib/server/realtime/attach';

const settings = config();
if (!settings.ORIGIN) {
	if (settings.production) {
		console.error(
			'Set ORIGIN to the public address of the app, e.g. ORIGIN=https://sessions.example.org'
		);
		process.exit(1);
	}
	// adapter-node assumes https without ORIGIN, which would fail SvelteKit's same-origin form check.
	process.env.ORIGIN = `http://localhost:${settings.PORT}`;
}

const database = await prepareDatabase();
// Before the first request: the job tables exist by then, so email queued by requests gets its job.
const worker = await startWorker(database.url);
// adapter-node emits this once the HTTP server has closed after SIGTERM or SIGINT.
process.once('sveltekit:shutdown', () => {
	worker.stop().catch((error: unknown) => console.error('Stopping the job worker failed:', error));
});

type AdapterNodeEntry = { server: { server: Server } };
// A runtime path: build/index.js only exists once SvelteKit has built, so the bundler must not follow it.
const entry = new URL('./index.js', import.meta.url).href;
const { server } = (await import(entry)) as AdapterNodeEntry;
attachRealtime(server.server);
console.log(`Sessionboard is ready at ${process.env.ORIGIN}`);
