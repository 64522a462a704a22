/**
 * Production entry, bundled to build/server.js next to SvelteKit's build/handler.js: prepares the
 * database, starts the job worker (unless WORKER_IN_APP=false), serves the app over HTTP and
 * attaches socket.io to the server.
 */
import { config, localOrigin } from './lib/server/config';
import { prepareDatabase } from './lib/server/db/prepare';
import { usesOutbox } from './lib/server/email/mailer';
import { openOutbox } from './lib/server/email/outbox-access';
import { MAX_IMPORT_BYTES } from './lib/import-limits';
import { markShuttingDown } from './lib/server/health';
import { createAppServer, LISTEN_BACKLOG, type Middleware } from './lib/server/http-server';
import { startAppJobs } from './lib/server/jobs/worker';
import { serveLiveEvents } from './lib/server/realtime/attach';

// Production unless told otherwise: `npm start` is what people run, and development has its own
// server (`npm run dev`). A deployment that says NODE_ENV=production must also say where it is.
const deployment = process.env.NODE_ENV === 'production';
process.env.NODE_ENV ||= 'production';
const settings = config();
const origin = settings.ORIGIN ?? localOrigin(settings.PORT);
if (!settings.ORIGIN) {
	if (deployment) {
		console.error(
			'Set ORIGIN to the public address of the app, e.g. ORIGIN=https://sessions.example.org'
		);
		process.exit(1);
	}
	// adapter-node assumes https without ORIGIN, which would fail the same-origin form check.
	process.env.ORIGIN = origin;
}

const database = await prepareDatabase();
const worker = await startAppJobs(database.url);

// A CSV import sends its file (up to MAX_IMPORT_BYTES) in one form post, which adapter-node's
// default limit of 512 KB would refuse, and so does the .ics import (ICS_MAX_CHARS, at most 4
// bytes each); hooks.server.ts keeps every other route to that default.
process.env.BODY_SIZE_LIMIT ??= String(MAX_IMPORT_BYTES + 1024 * 1024);

// A runtime path: build/handler.js only exists once SvelteKit has built, so the bundler must not follow it.
const handlerPath = new URL('./handler.js', import.meta.url).href;
const { handler } = (await import(handlerPath)) as { handler: Middleware };
// Served over https (ORIGIN says so, behind a proxy that ends TLS): browsers are told to come back
// only over https. Never over plain http, where it would lock the host out of its own address.
const hsts = { 'strict-transport-security': 'max-age=31536000; includeSubDomains' };
const { server, shutDown } = createAppServer(
	handler,
	undefined,
	new URL(origin).protocol === 'https:' ? hsts : {}
);
const live = await serveLiveEvents(server, database.url);

async function stop() {
	markShuttingDown();
	// Live pages reconnect by themselves, to this app once it is back or to another instance, when
	// their connections end as a dropped network would: socket.io's own disconnect (what
	// disconnectSockets sends) tells a page not to come back.
	live.io.engine.close();
	// The worker finishes the jobs in hand while the requests in hand are answered, both before
	// the live events they publish lose their way to the other instances.
	await Promise.all([shutDown(), worker?.stop()]);
	await live.close();
	await database.stop();
}
// A terminal's Ctrl-C reaches both `npm start` and this process, which passes it on again: the
// second signal must not cut the shutdown short.
let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
	process.on(signal, () => {
		if (stopping) return;
		stopping = true;
		stop().then(
			() => process.exit(0),
			(error: unknown) => {
				console.error('Stopping failed:', error);
				process.exit(1);
			}
		);
	});
}

const outbox = usesOutbox() ? openOutbox(origin, settings.DATA_DIR) : null;

server.listen({ host: settings.HOST, port: settings.PORT, backlog: LISTEN_BACKLOG }, () => {
	console.log(`Sessionboard is ready at ${origin}`);
	if (outbox) {
		console.log(`No SMTP_URL is set: email stays in the local outbox, for you alone at ${outbox}`);
	}
});
