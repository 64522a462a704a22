/**
 * Production entry, bundled to build/server.js next to SvelteKit's build/handler.js: prepares the
 * database, starts the job worker (unless WORKER_IN_APP=false), serves the app over HTTP and
 * attaches socket.io to the server.
 */
import { config } from './lib/server/config';
import { prepareDatabase } from './lib/server/db/prepare';
import { createAppServer, LISTEN_BACKLOG, type Middleware } from './lib/server/http-server';
import { startAppJobs } from './lib/server/jobs/worker';
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
const worker = await startAppJobs(database.url);

// A runtime path: build/handler.js only exists once SvelteKit has built, so the bundler must not follow it.
const handlerPath = new URL('./handler.js', import.meta.url).href;
const { handler } = (await import(handlerPath)) as { handler: Middleware };
const { server, shutDown } = createAppServer(handler);
const realtime = attachRealtime(server);

async function stop() {
	// Live pages reconnect by themselves, to this app once it is back or to another instance.
	realtime.disconnectSockets(true);
	await shutDown();
	await worker?.stop();
	await database.stop();
}
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
	process.once(signal, () => {
		stop().then(
			() => process.exit(0),
			(error: unknown) => {
				console.error('Stopping failed:', error);
				process.exit(1);
			}
		);
	});
}

server.listen({ host: settings.HOST, port: settings.PORT, backlog: LISTEN_BACKLOG }, () => {
	console.log(`Sessionboard is ready at ${process.env.ORIGIN}`);
});
