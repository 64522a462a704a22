import { inArray } from 'drizzle-orm';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { PracticeChange, ServerToClientEvents } from '../../src/lib/realtime-events';
import { AUTH_COOKIE } from '../../src/lib/server/auth/session';
import { createDatabase, type Database } from '../../src/lib/server/db';
import { migrateDatabase } from '../../src/lib/server/db/migrate';
import { clients } from '../../src/lib/server/db/schema';
import { wireFormat } from '../../src/lib/wire-format';
import { startFakeSmtp, type FakeSmtp } from '../fakes/smtp';
import { signedUpPractitioner, STRONG_PASSWORD, TestBrowser } from '../integration/support/browser';
import { waitFor } from '../integration/support/wait';
import { apiOn } from './support/api';
import { startInstance, stopInstances, type Instance } from './support/instance';
import { startOwnPostgres, type OwnPostgres } from './support/own-postgres';

/** No request may take longer than this, the database down or not. */
const ANSWER_WITHIN_MS = 40_000;

let postgres: OwnPostgres;
let db: Database;
let smtp: FakeSmtp;
const sockets: Socket[] = [];
/** Why sockets were closed, by their instance's port. */
const disconnects: string[] = [];

beforeAll(async () => {
	postgres = await startOwnPostgres();
	// What the procedures run in this process reach through the process-wide database is here too.
	process.env.DATABASE_URL = postgres.url;
	await migrateDatabase(postgres.url);
	db = createDatabase(postgres.url, { max: 3 });
	smtp = await startFakeSmtp();
});

afterAll(async () => {
	for (const socket of sockets) socket.close();
	await stopInstances();
	await db?.$client.end({ timeout: 1 });
	await smtp?.stop();
	await postgres?.remove();
});

async function health(instance: Instance): Promise<number> {
	const answer = await fetch(`${instance.origin}/healthz`, { signal: AbortSignal.timeout(5000) });
	return answer.status;
}

async function openSocket(
	instance: Instance,
	token: string
): Promise<Socket<ServerToClientEvents>> {
	const socket: Socket<ServerToClientEvents> = connect(instance.origin, {
		path: '/socket.io',
		transports: ['websocket'],
		reconnection: false,
		extraHeaders: { cookie: `${AUTH_COOKIE}=${token}`, origin: instance.origin }
	});
	sockets.push(socket);
	socket.on('disconnect', (reason) => disconnects.push(`${instance.port}: ${reason}`));
	await new Promise<void>((done, fail) => {
		socket.once('connect', done);
		socket.once('connect_error', fail);
	});
	return socket;
}

type Outcome =
	| { acknowledged: true; name: string; id: string; ms: number }
	| { acknowledged: false; name: string; status: number; message: string; ms: number };

/**
 * A practitioner's steady stream of new clients through `instance`, one request after another,
 * until stopped: each outcome as the page saw it, the HTTP status and the answer's message. Plain
 * fetch rather than the tRPC client: an error answered before tRPC (by the request hook) counts too.
 */
function steadyWrites(instance: Instance, token: string) {
	const outcomes: Outcome[] = [];
	let running = true;
	const done = (async () => {
		for (let n = 1; running; n++) {
			const name = `Load client ${n}`;
			const input = { name, email: '', phone: '', notes: '', tags: '' };
			const started = Date.now();
			const answer = await fetch(`${instance.origin}/api/trpc/clients.create`, {
				method: 'POST',
				headers: {
					'content-type': 'application/json',
					origin: instance.origin,
					cookie: `${AUTH_COOKIE}=${token}`
				},
				body: JSON.stringify(wireFormat.serialize(input)),
				signal: AbortSignal.timeout(ANSWER_WITHIN_MS)
			});
			const body = (await answer.json()) as {
				result?: { data: { json: { id: string } } };
				error?: { json: { message: string } };
				message?: string;
			};
			const ms = Date.now() - started;
			if (answer.ok) {
				outcomes.push({ acknowledged: true, name, id: body.result!.data.json.id, ms });
			} else {
				const message = body.error?.json.message ?? body.message ?? '';
				outcomes.push({ acknowledged: false, name, status: answer.status, message, ms });
				// A refusal comes back at once while the database is down: no need to hammer.
				await new Promise((resolve) => setTimeout(resolve, 100));
			}
		}
	})();
	return {
		outcomes,
		acknowledged: () =>
			outcomes.filter((o): o is Extract<Outcome, { acknowledged: true }> => o.acknowledged),
		stop: async () => {
			running = false;
			await done;
		}
	};
}

/** Fails with `what` unless `promise` settles within `ms`: an event that never comes is a failure. */
function within<T>(what: string, promise: Promise<T>, ms = 20_000): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<never>((_, fail) => {
		timer = setTimeout(() => fail(new Error(`Timed out waiting for ${what}`)), ms);
	});
	return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves with the next practice change the socket hears about this entity. */
function nextChange(socket: Socket<ServerToClientEvents>, entity: PracticeChange['entity']) {
	return new Promise<PracticeChange>((done) => {
		const heard = (change: PracticeChange) => {
			if (change.entity !== entity) return;
			socket.off('practice:changed', heard);
			done(change);
		};
		socket.on('practice:changed', heard);
	});
}

describe.each(['fast', 'immediate'] as const)(
	'PostgreSQL restarted (%s shutdown) under load',
	(mode) => {
		it('answers 503 on /healthz meanwhile, loses no acknowledged write, and recovers without a restart', async () => {
			// The previous run's dashboards were closed with its instances.
			disconnects.length = 0;
			const smtpEnv = { SMTP_URL: smtp.url };
			const first = await startInstance({ databaseUrl: postgres.url, env: smtpEnv });
			const second = await startInstance({ databaseUrl: postgres.url, env: smtpEnv });
			onTestFailed(() => {
				for (const instance of [first, second]) console.log(instance.output().slice(-4000));
			});
			const person = await signedUpPractitioner(db);
			const token = person.browser.token!;
			// A second sign-in, whose sign-out after the restart must still close its sockets.
			const phone = new TestBrowser(db);
			await (await phone.api()).account.signIn({ email: person.email, password: STRONG_PASSWORD });

			// Dashboards open through the restart, on both instances, and the other sign-in's.
			const onFirst = await openSocket(first, token);
			const onSecond = await openSocket(second, token);
			const phoneSocket = await openSocket(second, phone.token!);

			const load = steadyWrites(first, token);
			await waitFor('writes to be acknowledged', () => load.acknowledged().length >= 20);

			const toldToReload = new Promise<void>((done) => onSecond.once('live:resync', done));
			await postgres.stop(mode);
			await waitFor('/healthz to answer 503 on both instances', async () => {
				const answers = await Promise.all([health(first), health(second)]);
				return answers.every((status) => status === 503);
			});
			await waitFor('writes to be refused while the database is down', () =>
				load.outcomes.some((o) => !o.acknowledged)
			);
			const acknowledgedBefore = load.acknowledged().length;

			await postgres.start();
			await waitFor(
				'/healthz to answer 200 on both instances',
				async () => (await Promise.all([health(first), health(second)])).every((s) => s === 200),
				60_000
			);
			await waitFor(
				'writes to be acknowledged again',
				() => load.acknowledged().length >= acknowledgedBefore + 20,
				60_000
			);
			await within('the load to stop', load.stop(), ANSWER_WITHIN_MS + 5000);

			// Every acknowledged write is stored; every refused one answered an error with a reference.
			const acknowledged = load.acknowledged();
			const stored = await db
				.select({ id: clients.id, name: clients.name })
				.from(clients)
				.where(
					inArray(
						clients.id,
						acknowledged.map((o) => o.id)
					)
				);
			expect(stored.map((c) => c.name).sort()).toEqual(acknowledged.map((o) => o.name).sort());
			const refused = load.outcomes.filter((o) => !o.acknowledged);
			expect(refused.length).toBeGreaterThan(0);
			for (const outcome of refused) {
				expect(outcome).toMatchObject({
					status: 500,
					message: expect.stringMatching(/\(ref [0-9a-f]{8}\)/)
				});
			}
			expect(Math.max(...load.outcomes.map((o) => o.ms))).toBeLessThan(ANSWER_WITHIN_MS);

			// The job worker works again: an email queued now is delivered.
			await within(
				'the reset to be asked for',
				apiOn(second).account.requestPasswordReset.mutate({ email: person.email })
			);
			await waitFor(
				'the reset email to arrive',
				() => smtp.messages.some((m) => m.to.includes(person.email) && /reset/i.test(m.subject)),
				60_000
			);

			// The dashboards stayed connected throughout: the instances never went away.
			expect(disconnects).toEqual([]);
			// Changes made before the second instance had its LISTEN connection back reached only the
			// first instance's pages; once it has, it tells its pages to load again, and from then on
			// every change crosses.
			await within('the second instance’s dashboard to be told to load again', toldToReload);
			const heardHere = nextChange(onFirst, 'client');
			const heardThere = nextChange(onSecond, 'client');
			const { id } = await within(
				'a client to be created',
				apiOn(first, token).clients.create.mutate({
					name: 'After the restart',
					email: '',
					phone: '',
					notes: '',
					tags: ''
				})
			);
			for (const heard of [heardHere, heardThere]) {
				expect((await within('both dashboards to hear of it', heard)).ids).toEqual([id]);
			}

			// Each instance hears of sign-outs itself again: with the first gone, a sign-out closes the
			// socket on the second.
			expect(await first.stop()).toBe(0);
			const closed = new Promise<string>((done) => phoneSocket.once('disconnect', done));
			const revoked = new Promise<void>((done) => phoneSocket.once('auth:revoked', done));
			await (await phone.api()).account.signOut();
			await within('the signed-out socket to hear of it', revoked);
			expect(await within('the signed-out socket to close', closed)).toBe('io server disconnect');

			// Neither instance was restarted, and neither logged a person's address.
			expect(second.child.exitCode).toBeNull();
			expect(await second.stop()).toBe(0);
			for (const instance of [first, second]) expect(instance.output()).not.toContain(person.email);
		}, 240_000);
	}
);
