import { randomBytes } from 'node:crypto';
import { Agent, globalAgent, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAppServer, type AppServer, type Middleware } from './http-server';

type Answer = { status: number; body: string; connection: string | undefined };

let running: AppServer | undefined;
afterEach(async () => {
	// A shut-down server waits for idle keep-alive connections to time out: the client ends its own.
	globalAgent.destroy();
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
			res.on('end', () =>
				done({ status: res.statusCode ?? 0, body, connection: res.headers.connection })
			);
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

	it('on shutdown stops listening, finishes requests under way, each its connection’s last, then closes', async () => {
		const { handler, release, slowStarted } = slowAndFast();
		const { port, server, shutDown } = await serve(handler);
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
		// The idle connection still takes a request its client may have sent already, as its last.
		expect(await get(port, '/fast', agent)).toEqual({
			status: 200,
			body: 'fast',
			connection: 'close'
		});
		await vi.waitFor(() =>
			expect(idleSockets().filter((socket) => !socket?.destroyed)).toEqual([])
		);
		// The request under way still holds the server open.
		expect(closed).toBe(false);

		release();
		expect(await slow).toEqual({ status: 200, body: 'slow', connection: 'close' });
		// Its connection closes right after the answer, not after Node's 5 s keep-alive timeout.
		const late = new Promise((wake) => setTimeout(() => wake('late'), 1000));
		expect(await Promise.race([stopping, late])).not.toBe('late');
		expect(closed).toBe(true);
		expect(server.listening).toBe(false);
		agent.destroy();
	});

	it('on shutdown ends a connection that stays idle at its keep-alive timeout', async () => {
		const { port, server, shutDown } = await serve((_req, res) => res.end('ok'));
		server.keepAliveTimeout = 200;
		const agent = new Agent({ keepAlive: true });
		expect((await get(port, '/', agent)).connection).toBe('keep-alive');
		await shutDown();
		expect(Object.values(agent.freeSockets).flat()).toEqual([]);
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

type Raw = { status: number; headers: IncomingHttpHeaders; body: Buffer };

/** A GET whose body is kept as sent, still encoded; `onFirstBytes` runs when bytes first arrive. */
function getRaw(
	port: number,
	path: string,
	acceptEncoding?: string,
	onFirstBytes?: (bytes: Buffer) => void
): Promise<Raw> {
	return new Promise((done, fail) => {
		const headers = acceptEncoding ? { 'accept-encoding': acceptEncoding } : {};
		request({ host: '127.0.0.1', port, path, headers }, (res) => {
			const chunks: Buffer[] = [];
			res.on('data', (chunk: Buffer) => {
				if (chunks.length === 0) onFirstBytes?.(chunk);
				chunks.push(chunk);
			});
			res.on('end', () =>
				done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) })
			);
		})
			.on('error', fail)
			.end();
	});
}

const page = `<!doctype html><html><body>${'<p>Wednesdays 18:30–19:30</p>'.repeat(200)}</body></html>`;

describe('compression', () => {
	/** Answers as SvelteKit (headers, then writeHead, then chunks) and as sirv (headers in writeHead). */
	const handler: Middleware = (req, res, next) => {
		const url = req.url ?? '';
		if (url === '/page') {
			res.setHeader('content-type', 'text/html; charset=utf-8');
			res.writeHead(200);
			res.write(page.slice(0, 3000));
			res.end(page.slice(3000));
		} else if (url === '/script') {
			res.writeHead(200, { 'Content-Type': 'text/javascript', 'Content-Length': page.length });
			Readable.from([Buffer.from(page)]).pipe(res);
		} else if (url === '/precompressed') {
			const body = gzipSync(page);
			res.writeHead(200, { 'content-type': 'text/javascript', 'content-encoding': 'gzip' });
			res.end(body);
		} else if (url === '/picture') {
			res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.alloc(4096, 1));
		} else if (url === '/small') {
			res.setHeader('content-type', 'application/json');
			res.end('{"ok":true}');
		} else if (url === '/events') {
			res.writeHead(200, { 'content-type': 'text/event-stream' }).end(page);
		} else if (url === '/large') {
			// As SvelteKit writes a body: chunk by chunk, waiting for 'drain' whenever write says so.
			res.writeHead(200, { 'content-type': 'text/html' });
			void (async () => {
				for (const chunk of large) {
					if (!res.write(chunk)) await new Promise((drained) => res.once('drain', drained));
				}
				res.end();
			})();
		} else if (url === '/as-is') {
			res.writeHead(200, { 'content-type': 'text/html', 'cache-control': 'private, no-transform' });
			res.end(page);
		} else if (url === '/range') {
			res.writeHead(206, { 'content-type': 'text/javascript', 'content-range': 'bytes 0-99/9999' });
			res.end(page.slice(0, 100));
		} else if (url === '/stream') {
			res.writeHead(200, { 'content-type': 'text/html' });
			res.write(page);
			// The rest follows only once the first part has arrived: it must not wait in a buffer.
			streamed = () => res.end('<p>the end</p>');
		} else next();
	};
	let streamed = () => {};
	/**
	 * 2 MB in 64 kB chunks, more than the compressor's buffer holds at once: half of it text that
	 * compresses to almost nothing (the socket never fills, only the compressor does), half not.
	 */
	const large = Array.from({ length: 32 }, (_, i) =>
		i < 16 ? page.slice(0, 4096).repeat(16) : randomBytes(32 * 1024).toString('hex')
	);

	it('sends pages brotli- or gzip-compressed as Accept-Encoding allows, and says it varies by it', async () => {
		const { port } = await serve(handler);
		const br = await getRaw(port, '/page', 'gzip, deflate, br');
		expect(br.headers['content-encoding']).toBe('br');
		expect(br.headers.vary).toMatch(/Accept-Encoding/);
		expect(br.headers['content-length']).toBeUndefined();
		expect(brotliDecompressSync(br.body).toString()).toBe(page);
		expect(br.body.length).toBeLessThan(page.length / 5);

		const gzip = await getRaw(port, '/page', 'gzip;q=1, br;q=0');
		expect(gzip.headers['content-encoding']).toBe('gzip');
		expect(gunzipSync(gzip.body).toString()).toBe(page);

		const plain = await getRaw(port, '/page');
		expect(plain.headers['content-encoding']).toBeUndefined();
		expect(plain.headers.vary).toMatch(/Accept-Encoding/);
		expect(plain.body.toString()).toBe(page);
	});

	it('compresses a piped file whose headers came with writeHead', async () => {
		const { port } = await serve(handler);
		const script = await getRaw(port, '/script', 'gzip');
		expect(script.headers['content-encoding']).toBe('gzip');
		expect(script.headers['content-length']).toBeUndefined();
		expect(gunzipSync(script.body).toString()).toBe(page);
	});

	it('leaves alone what is encoded already, not text, too small, or a stream of events', async () => {
		const { port } = await serve(handler);
		const pre = await getRaw(port, '/precompressed', 'br, gzip');
		expect(pre.headers['content-encoding']).toBe('gzip');
		expect(gunzipSync(pre.body).toString()).toBe(page);
		for (const path of ['/picture', '/small', '/events']) {
			const answer = await getRaw(port, path, 'br, gzip');
			expect(answer.headers['content-encoding'], path).toBeUndefined();
		}
		expect((await getRaw(port, '/small', 'br')).body.toString()).toBe('{"ok":true}');
	});

	it('passes on backpressure, so a large page written as SvelteKit writes it arrives whole', async () => {
		const { port } = await serve(handler);
		for (const encoding of ['br', 'gzip']) {
			const answer = await getRaw(port, '/large', encoding);
			expect(answer.headers['content-encoding']).toBe(encoding);
			const body = encoding === 'br' ? brotliDecompressSync(answer.body) : gunzipSync(answer.body);
			expect(body.toString()).toBe(large.join(''));
		}
	}, 20_000);

	it('leaves a part of a file, a page that asks for no-transform, and a HEAD as they are', async () => {
		const { port } = await serve(handler);
		const part = await getRaw(port, '/range', 'br, gzip');
		expect(part.status).toBe(206);
		expect(part.headers['content-encoding']).toBeUndefined();
		expect(part.body.toString()).toBe(page.slice(0, 100));
		const asIs = await getRaw(port, '/as-is', 'br, gzip');
		expect(asIs.headers['content-encoding']).toBeUndefined();
		expect(asIs.body.toString()).toBe(page);
		const head = await new Promise<IncomingHttpHeaders>((done, fail) =>
			request(
				{
					host: '127.0.0.1',
					port,
					path: '/page',
					method: 'HEAD',
					headers: { 'accept-encoding': 'br' }
				},
				(res) => done(res.resume().headers)
			)
				.on('error', fail)
				.end()
		);
		expect(head['content-encoding']).toBeUndefined();
	});

	it('sends each part of a streamed page as it is written', async () => {
		const { port } = await serve(handler);
		const answer = await getRaw(port, '/stream', 'br', () => streamed());
		expect(answer.headers['content-encoding']).toBe('br');
		expect(brotliDecompressSync(answer.body).toString()).toBe(`${page}<p>the end</p>`);
	});
});
