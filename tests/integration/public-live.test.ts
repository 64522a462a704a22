/**
 * The public signup page's live count of places, heard by its own small Socket.IO client
 * (`src/lib/public-live.ts`) from the real socket.io server: the page's WebSocket is Node's `ws`
 * here, opened the way a browser opens it, from the app's own origin.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket as NodeWebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watchSeriesSpots } from '../../src/lib/public-live';
import { publicSeriesRoom } from '../../src/lib/realtime-events';
import { attachRealtime } from '../../src/lib/server/realtime/attach';
import {
	publicNamespace,
	publishSpotsLeft,
	registerRealtimeServer,
	type RealtimeServer
} from '../../src/lib/server/realtime/publish';
import { useTestDatabase } from './support/database';
import { waitFor } from './support/wait';

let io: RealtimeServer;
let port: number;
const stops: (() => void)[] = [];

function serve(onPort = 0): Promise<void> {
	const http = createServer();
	io = attachRealtime(http);
	return new Promise((done) =>
		http.listen(onPort, '127.0.0.1', () => {
			port = (http.address() as AddressInfo).port;
			done();
		})
	);
}

beforeAll(async () => {
	await useTestDatabase();
	await serve();
	const origin = `http://127.0.0.1:${port}`;
	// What a browser page at the app's address has: its location, and a WebSocket sending its Origin.
	Object.assign(globalThis, {
		location: new URL(origin),
		WebSocket: class extends NodeWebSocket {
			constructor(url: string) {
				super(url, { origin });
			}
		}
	});
});

afterAll(async () => {
	for (const stop of stops) stop();
	registerRealtimeServer(undefined);
	await io.close();
	Reflect.deleteProperty(globalThis, 'location');
	Reflect.deleteProperty(globalThis, 'WebSocket');
});

const watchers = (seriesId: string) =>
	publicNamespace(io).adapter.rooms.get(publicSeriesRoom(seriesId))?.size ?? 0;

function watch(seriesId: string) {
	const heard: number[] = [];
	const stop = watchSeriesSpots(seriesId, (update) => heard.push(update.spotsLeft));
	stops.push(stop);
	return { heard, stop };
}

describe("the public page's live places count", () => {
	it('hears its own series only', async () => {
		const mine = randomUUID();
		const other = randomUUID();
		const { heard } = watch(mine);
		await waitFor('the page to watch its series', () => watchers(mine) === 1);
		publishSpotsLeft(other, 9);
		publishSpotsLeft(mine, 4);
		await waitFor('the count', () => heard.length > 0);
		expect(heard).toEqual([4]);
	});

	it('comes back by itself after the server restarts, and is heard again', async () => {
		const seriesId = randomUUID();
		const { heard } = watch(seriesId);
		await waitFor('the page to watch its series', () => watchers(seriesId) === 1);
		await io.close();
		await serve(port);
		await waitFor('the page to watch again', () => watchers(seriesId) === 1);
		publishSpotsLeft(seriesId, 2);
		await waitFor('the count after the restart', () => heard.includes(2));
	});

	it('leaves when the page stops listening', async () => {
		const seriesId = randomUUID();
		const { stop } = watch(seriesId);
		await waitFor('the page to watch its series', () => watchers(seriesId) === 1);
		stop();
		await waitFor('the page to leave', () => watchers(seriesId) === 0);
	});
});
