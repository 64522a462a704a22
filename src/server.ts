/**
 * Production entry, bundled to build/server.js next to SvelteKit's build/handler.js: prepares the
 * database, starts the job worker, serves the app over HTTP and attaches socket.io to the server.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { config } from './lib/server/config';
import { prepareDatabase } from './lib/server/db/prepare';
import { startWorker } from './lib/server/jobs/worker';
import { attachRealtime } from './lib/server/realtime/attach';

/**
 * Connections the kernel may hold before the app accepts them (it caps this at
 * net.core.somaxconn). Node's default, 511, overflows when a crowd opens a public signup page at
 * once; each refused connection then waits a second or more for its retry.
 */
const LISTEN_BACKLOG = 4096;
/** After SIGTERM or SIGINT, requests under way get this long to finish. */
const SHUTDOWN_GRACE_MS = 30_000;

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

type Middleware = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;
// A runtime path: build/handler.js only exists once SvelteKit has built, so the bundler must not follow it.
const handlerPath = new URL('./handler.js', import.meta.url).href;
const { handler } = (await import(handlerPath)) as { handler: Middleware };

let shuttingDown = false;
const server = createServer((req, res) => {
	// While shutting down, a keep-alive connection closes once its last request is answered.
	if (shuttingDown) res.once('finish', () => server.closeIdleConnections());
	handler(req, res, () => {
		res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
	});
});
const realtime = attachRealtime(server);

function shutDown() {
	if (shuttingDown) return;
	shuttingDown = true;
	// Live pages reconnect by themselves, to this app once it is back or to another instance.
	realtime.disconnectSockets(true);
	const force = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS).unref();
	server.close(() => {
		clearTimeout(force);
		worker
			.stop()
			.catch((error: unknown) => console.error('Stopping the job worker failed:', error));
	});
	server.closeIdleConnections();
}
process.once('SIGTERM', shutDown);
process.once('SIGINT', shutDown);

server.listen({ host: settings.HOST, port: settings.PORT, backlog: LISTEN_BACKLOG }, () => {
	console.log(`Sessionboard is ready at ${process.env.ORIGIN}`);
});
