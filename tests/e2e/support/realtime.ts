import { expect, type BrowserContext, type Page, type WebSocketRoute } from '@playwright/test';

const SOCKET_IO = /\/socket\.io\//;

/**
 * Puts a plug in the browser context's live connection, so a test can pull it: the network
 * goes offline and every open socket.io WebSocket is closed, as when a tablet loses its Wi-Fi.
 *
 * `context.setOffline(true)` alone is not enough: Chromium's offline mode fails new requests but
 * leaves an open WebSocket working, and socket.io's own "offline" listener is not registered on
 * localhost, so the page would only notice through the ping timeout (25 s + 20 s). Routing the
 * WebSockets through Playwright lets the test close them from the network side, as a dropped
 * connection would; the app is not changed and is not told why.
 */
export class SocketCable {
	private readonly open = new Set<{ page: WebSocketRoute; server: WebSocketRoute }>();
	private unplugged = false;

	private constructor(readonly context: BrowserContext) {}

	/** Call before the context opens any page. */
	static async attach(context: BrowserContext): Promise<SocketCable> {
		const cable = new SocketCable(context);
		await context.routeWebSocket(SOCKET_IO, (ws) => cable.route(ws));
		return cable;
	}

	private route(ws: WebSocketRoute): void {
		if (this.unplugged) {
			// Refused, as a handshake without a network would be.
			void ws.close({ code: 4000, reason: 'offline' });
			return;
		}
		const connection = { page: ws, server: ws.connectToServer() };
		this.open.add(connection);
		ws.onClose(() => {
			this.open.delete(connection);
			void connection.server.close();
		});
		connection.server.onClose(() => {
			this.open.delete(connection);
			void ws.close();
		});
	}

	/** Offline: new requests fail, and the open WebSockets are closed under the page. */
	async unplug(): Promise<void> {
		await expect
			.poll(() => this.open.size > 0, { message: 'the page has its live connection open' })
			.toBe(true);
		this.unplugged = true;
		await this.context.setOffline(true);
		const connections = [...this.open];
		this.open.clear();
		for (const { page, server } of connections) {
			await server.close();
			await page.close({ code: 4000, reason: 'network lost' });
		}
	}

	/** Online again: the page's next attempt to reconnect gets through. */
	async plug(): Promise<void> {
		this.unplugged = false;
		await this.context.setOffline(false);
	}
}

/** Names of the socket.io events a page receives over its WebSocket. */
export function recordSocketEvents(page: Page): string[] {
	const events: string[] = [];
	page.on('websocket', (ws) =>
		ws.on('framereceived', ({ payload }) => {
			// socket.io event packets look like 42["name",…].
			for (const match of String(payload).matchAll(/42\["([^"]+)"/g)) events.push(match[1]!);
		})
	);
	return events;
}

/** How many times the page has fetched page data since this call (SvelteKit's __data.json). */
export function countDataRequests(page: Page): { count: number } {
	const counter = { count: 0 };
	page.on('request', (request) => {
		if (request.url().includes('/__data.json')) counter.count += 1;
	});
	return counter;
}

/** A mark in the current document, gone if the page reloads or navigates the browser way. */
export async function markDocument(page: Page): Promise<void> {
	await page.evaluate(() => (document.documentElement.dataset.e2eMark = 'same document'));
}

export async function expectSameDocument(page: Page): Promise<void> {
	expect(
		await page.evaluate(() => document.documentElement.dataset.e2eMark),
		'the page did not reload'
	).toBe('same document');
}
