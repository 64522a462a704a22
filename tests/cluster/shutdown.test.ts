import { once } from 'node:events';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db';
import { clients } from '../../src/lib/server/db/schema';
import { signedUpPractitioner } from '../integration/support/browser';
import { useTestDatabase } from '../integration/support/database';
import { publishedSeries } from '../integration/support/series';
import { waitFor } from '../integration/support/wait';
import { startInstance, stopInstances, type Instance } from './support/instance';

/**
 * SIGTERM while the app is busy, as a deployment sends it to the old instance: the requests it
 * took finish, whole and without a 5xx; what comes after it stopped listening is refused (a load
 * balancer sends that elsewhere); /healthz says it is going; and it exits 0 within its grace.
 */

let db: Database;
let url: string;

beforeAll(async () => {
	({ db, url } = await useTestDatabase());
});

afterAll(stopInstances);

type Outcome =
	/** An answer read to its end: as long as it said, or up to its last chunk. */
	| { kind: 'answered'; status: number }
	/** No answer: the connection was refused, or closed before a byte of the answer came. */
	| { kind: 'refused' | 'dropped'; code: string; reused: boolean }
	/** The answer began and the connection closed before its end. */
	| { kind: 'cut'; status: number };

type Sent = { what: string; sentAt: number; endedAt: number; outcome: Outcome };

type Call = { method?: 'GET' | 'POST'; path: string; body?: string; contentType?: string };

/** One request over `agent` (keep-alive, as browsers and proxies use them). */
function send(instance: Instance, agent: Agent, cookie: string, call: Call): Promise<Outcome> {
	return new Promise((settle) => {
		const body = call.body === undefined ? undefined : Buffer.from(call.body);
		const req = request(
			{
				host: '127.0.0.1',
				port: instance.port,
				agent,
				method: call.method ?? 'GET',
				path: call.path,
				headers: {
					cookie,
					origin: instance.origin,
					'accept-encoding': 'gzip, br',
					...(body ? { 'content-type': call.contentType!, 'content-length': body.length } : {})
				}
			},
			(res) => {
				res.resume();
				res.on('error', () => {});
				res.on('close', () =>
					settle(
						res.complete
							? { kind: 'answered', status: res.statusCode! }
							: { kind: 'cut', status: res.statusCode! }
					)
				);
			}
		);
		req.on('error', (error: NodeJS.ErrnoException) =>
			settle({
				kind: error.code === 'ECONNREFUSED' ? 'refused' : 'dropped',
				code: error.code ?? error.message,
				reused: req.reusedSocket
			})
		);
		req.end(body);
	});
}

/** Signs in through the sign-in form, as a browser does; returns the cookie to send. */
async function signIn(instance: Instance, email: string, password: string): Promise<string> {
	const response = await fetch(`${instance.origin}/sign-in`, {
		method: 'POST',
		redirect: 'manual',
		headers: {
			origin: instance.origin,
			'content-type': 'application/x-www-form-urlencoded',
			'x-sveltekit-action': 'true'
		},
		body: new URLSearchParams({ email, password })
	});
	const cookie = response.headers.getSetCookie()[0]?.split(';')[0];
	if (!cookie) throw new Error(`Signing in answered ${response.status} without a cookie`);
	return cookie;
}

/**
 * A request to /healthz whose last line is held back: the connection is busy with it, so it stays
 * open through the shutdown, and the rest is sent when `finish` is called. Resolves once the
 * beginning is on its way, with `finish`, which resolves with the answer.
 */
async function healthCheckHeldOpen(instance: Instance) {
	const socket = connect(instance.port, '127.0.0.1');
	let answer = '';
	socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
	const ended = once(socket, 'close');
	await new Promise((written) =>
		socket.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${instance.port}\r\n`, written)
	);
	return {
		async finish() {
			socket.write('\r\n');
			await ended;
			const [head = '', body = ''] = answer.split('\r\n\r\n');
			return { status: Number(head.split(' ')[1]), body };
		}
	};
}

describe('SIGTERM under load', () => {
	it('finishes every request it took, whole and without a 5xx, refuses the rest, and exits 0', async () => {
		const instance = await startInstance({ databaseUrl: url });
		const { browser, email, password, user } = await signedUpPractitioner(db);
		const { slug } = await publishedSeries(await browser.api(), { slug: 'shutdown-yoga' });
		// Enough clients that their CSV export takes a while.
		await db.insert(clients).values(
			Array.from({ length: 3000 }, (_, i) => ({
				ownerId: user.id,
				name: `Client ${i}`,
				email: `client${i}@example.com`,
				notes: 'Prefers mornings.'
			}))
		);
		const cookie = await signIn(instance, email, password);

		let made = 0;
		const calls: Record<string, () => Call> = {
			dashboard: () => ({ path: '/dashboard' }),
			'client list': () => ({ path: '/clients' }),
			'public page': () => ({ path: `/s/${slug}` }),
			'client export': () => ({ path: '/clients/export.csv' }),
			'new client': () => ({
				method: 'POST',
				path: '/api/trpc/clients.create',
				contentType: 'application/json',
				body: JSON.stringify({ json: { name: `Walk-in ${(made += 1)}` } })
			})
		};
		const kinds = Object.keys(calls);

		const agent = new Agent({ keepAlive: true, maxSockets: 32 });
		const sent: Sent[] = [];
		let exitedAt: number | undefined;
		// 32 browsers, each sending one request after another until it is refused after the
		// instance has gone.
		const browsing = async (first: number) => {
			for (let i = first; ; i++) {
				const what = kinds[i % kinds.length]!;
				const sentAt = Date.now();
				const outcome = await send(instance, agent, cookie, calls[what]!());
				sent.push({ what, sentAt, endedAt: Date.now(), outcome });
				if (exitedAt !== undefined && outcome.kind === 'refused') return;
			}
		};
		const load = Promise.all(Array.from({ length: 32 }, (_, first) => browsing(first)));

		await waitFor('the load to be under way', () => sent.length >= 200);
		const health = await healthCheckHeldOpen(instance);
		// The app has read the health check's beginning once it answered a request sent after it.
		const heldSince = Date.now();
		await waitFor('the app to have read it', () =>
			sent.some((s) => s.sentAt > heldSince && s.outcome.kind === 'answered')
		);
		const signalledAt = Date.now();
		const exited = instance.stop('SIGTERM').then((code) => {
			exitedAt = Date.now();
			return code;
		});
		await waitFor('a connection to be refused', () =>
			sent.some((s) => s.sentAt > signalledAt && s.outcome.kind === 'refused')
		);
		const draining = await health.finish();
		expect(await exited).toBe(0);
		await load;
		agent.destroy();

		expect(exitedAt! - signalledAt).toBeLessThan(30_000);

		const answered = sent.filter((s) => s.outcome.kind === 'answered');
		expect(sent.filter((s) => s.outcome.kind === 'cut')).toEqual([]);
		expect(
			answered.filter((s) => s.outcome.kind === 'answered' && s.outcome.status >= 500)
		).toEqual([]);
		// Requests it surely had before the signal are all answered, some of them after it.
		const taken = sent.filter((s) => s.sentAt < signalledAt - 100);
		expect(taken.filter((s) => s.outcome.kind !== 'answered')).toEqual([]);
		expect(answered.filter((s) => s.endedAt > signalledAt).length).toBeGreaterThan(0);
		// What was not answered was refused: a connection the app had taken was never dropped.
		expect(sent.filter((s) => s.outcome.kind === 'dropped')).toEqual([]);
		for (const what of kinds) expect(answered.some((s) => s.what === what)).toBe(true);

		// Out of rotation while it drains, with the reason.
		expect(draining.status).toBe(503);
		expect(draining.body).toContain('shutting-down');
	});
});
