import { createServer, request as httpRequest } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { test as base, type APIRequestContext } from '@playwright/test';

/**
 * The browser's network, as a forward HTTP proxy on loopback that a test can cut and restore, as
 * a tablet's Wi-Fi drops and comes back. `context.setOffline` tells the page it is offline, but it
 * is emulation: a document that has just been reloaded has been seen to reach the server before
 * the emulation applied to it. A cut proxy is a real outage for every request the browser makes,
 * the service worker's included.
 */
export type TabletNetwork = {
	/** The proxy's address, for the browser context's `proxy` option. */
	server: string;
	/** Drops every open connection and refuses new ones until `restore`. */
	cut(): void;
	restore(): void;
	close(): Promise<void>;
};

/** The app runs on this machine; the browser's own calls elsewhere (Google's) are refused. */
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

export async function startTabletNetwork(): Promise<TabletNetwork> {
	let down = false;
	const open = new Set<Socket>();
	const track = (socket: Socket) => {
		// Node's agent keeps connections to the app alive, so one socket carries many requests.
		if (open.has(socket)) return socket;
		open.add(socket);
		socket.once('close', () => open.delete(socket));
		return socket;
	};

	const proxy = createServer((incoming, answer) => {
		const target = new URL(incoming.url ?? '', 'http://invalid');
		if (down || !LOOPBACK.has(target.hostname)) return void incoming.socket.destroy();
		const outgoing = httpRequest(
			{
				host: target.hostname,
				port: target.port,
				method: incoming.method,
				path: target.pathname + target.search,
				headers: incoming.headers
			},
			(response) => {
				answer.writeHead(response.statusCode ?? 502, response.headers);
				response.pipe(answer);
			}
		);
		outgoing.on('socket', track);
		outgoing.on('error', () => incoming.socket.destroy());
		incoming.pipe(outgoing);
	});
	proxy.on('connection', track);
	// WebSockets (the live updates) go through the proxy as a CONNECT tunnel.
	proxy.on('connect', (incoming, client: Socket, head: Buffer) => {
		const target = new URL(`http://${incoming.url ?? ''}`);
		if (down || !LOOPBACK.has(target.hostname)) return void client.destroy();
		const upstream = track(
			connect(Number(target.port), target.hostname, () => {
				client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
				upstream.write(head);
				upstream.pipe(client).pipe(upstream);
			})
		);
		upstream.on('error', () => client.destroy());
		client.on('error', () => upstream.destroy());
	});

	await new Promise<void>((listening) => proxy.listen(0, '127.0.0.1', listening));
	const { port } = proxy.address() as AddressInfo;
	return {
		server: `http://127.0.0.1:${port}`,
		cut() {
			down = true;
			for (const socket of open) socket.destroy();
		},
		restore() {
			down = false;
		},
		close: () => new Promise<void>((closed) => proxy.close(() => closed()))
	};
}

/**
 * Browser tests whose context goes through a `TabletNetwork` (`network`), with `anotherDevice()`:
 * a request context signed in as the browser is at the time of the call, which does not go
 * through that network (it checks the server, or writes to it, while the tablet is cut off).
 */
export const test = base.extend<{
	network: TabletNetwork;
	anotherDevice: () => Promise<APIRequestContext>;
}>({
	// Playwright reads a fixture's dependencies from its first parameter's pattern; this has none.
	// eslint-disable-next-line no-empty-pattern
	network: async ({}, use) => {
		const network = await startTabletNetwork();
		await use(network);
		network.cut();
		await network.close();
	},
	proxy: async ({ network }, use) => use({ server: network.server }),
	anotherDevice: async ({ playwright, context, baseURL }, use) => {
		const made: APIRequestContext[] = [];
		await use(async () => {
			const device = await playwright.request.newContext({
				baseURL,
				storageState: await context.storageState(),
				// Set, so that the test's `proxy` (this network) is not filled in for it.
				proxy: undefined
			});
			made.push(device);
			return device;
		});
		await Promise.all(made.map((device) => device.dispose()));
	}
});
