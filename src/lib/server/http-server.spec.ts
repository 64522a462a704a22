import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAppServer, type AppServer, type Middleware } from './http-server';

type Answer = { status: number; body: string };

let running: AppServer | undefined;
afterEach(async () => {
	await running?.shutDown();
	running = undefined;
});

async function serve(handler: Middleware, graceMs?: number) {
	running = createAppServer(handler, graceMs);
	const { server } = running;
	await new Promise<void>((listening) => server.listen({ host: '127.0.0.1', port: 0 }, listening));
	return { ...running, port: (server.address() as AddressInfo).port };
}

function get(port: number, path: string, agent?: Agent): Promise<Answer> {
	return new Promise((done, fail) => {
		request({ host: '127.0.0.1', port, path, agent }, (res) => {
			let body = '';
			res.setEncoding('utf8');
			res.on('data', (chunk: string) => (body += chunk));
			res.on('end', () => done({ status: res.statusCode ?? 0, body }));
		})
			.on('error', fail)
			.end();
	});
}

/** A handler that answers /slow only when released, and everything else at once. */
function slowAndFast() {
	let release = () => {};
	const released = new Promise<void>((resolve) => (release = resolve));
	let started = () => {};
	const slowStarted = new Promise<void>((resolve) => (started = resolve));
	const handler: Middleware = (req, res, next) => {
		if (req.url === '/slow') {
			started();
			void released.then(() => res.end('slow'));
		} else if (req.url === '/fast') res.end('fast');
		else next();
	};
	return { handler, release, slowStarted };
}

describe('the app server', () => {
	it('answers 404 for what the handler passes on', async () => {
		const { port } = await serve((_req, _res, next) => next());
		expect(await get(port, '/nothing')).toMatchObject({ status: 404, body: 'Not found' });
	});

	it('on shutdown closes idle connections, finishes requests under way, then closes', async () => {
		const { handler, release, slowStarted } = slowAndFast();
		const { port, shutDown } = await serve(handler);
		const agent = new Agent({ keepAlive: true });
		// One keep-alive connection left idle, one request under way on another.
		expect((await get(port, '/fast', agent)).body).toBe('fast');
		const idleSockets = () => Object.values(agent.freeSockets).flat();
		expect(idleSockets()).toHaveLength(1);
		const slow = get(port, '/slow');
		await slowStarted;

		let closed = false;
		const stopping = shutDown().then(() => (closed = true));
		// No new connections: the listening socket is gone.
		await expect(get(port, '/fast')).rejects.toThrow(/ECONNREFUSED/);
		// The idle keep-alive connection was closed by the server.
		await vi.waitFor(() =>
			expect(idleSockets().filter((socket) => !socket?.destroyed)).toEqual([])
		);
		// Both happened, and the request under way still holds the server open.
		expect(closed).toBe(false);

		release();
		expect(await slow).toMatchObject({ status: 200, body: 'slow' });
		// Its connection closes right after the answer, not after Node's 5 s keep-alive timeout.
		const late = new Promise((wake) => setTimeout(() => wake('late'), 1000));
		expect(await Promise.race([stopping, late])).not.toBe('late');
		expect(closed).toBe(true);
		agent.destroy();
	});

	it('closes connections still busy when the grace period ends', async () => {
		const { handler, slowStarted } = slowAndFast();
		const { port, shutDown } = await serve(handler, 100);
		const slow = get(port, '/slow');
		await slowStarted;
		await shutDown();
		await expect(slow).rejects.toThrow(/socket hang up|ECONNRESET/);
	});
});
