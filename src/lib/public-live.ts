import type { PublicServerToClientEvents } from './realtime-events';

type SpotsUpdate = Parameters<PublicServerToClientEvents['series:spots']>[0];

const NAMESPACE = '/public';
/** Waits between reconnection attempts: doubling from one second, never above half a minute. */
const FIRST_RETRY_MS = 1_000;
const LAST_RETRY_MS = 30_000;

/**
 * Listens to a series' places-left count on the public namespace, speaking Socket.IO's protocol
 * (v5 over Engine.IO v4) on a plain WebSocket. The signup page needs this one event, and
 * socket.io-client would be a fifth of its JavaScript. Reconnects by itself; returns a stop.
 */
export function watchSeriesSpots(seriesId: string, onSpots: (update: SpotsUpdate) => void) {
	let socket: WebSocket | undefined;
	let retries = 0;
	let retryTimer: ReturnType<typeof setTimeout> | undefined;
	let silenceTimer: ReturnType<typeof setTimeout> | undefined;
	let stopped = false;

	/** The server pings every `pingInterval`; silence past that and `pingTimeout` is a dead link. */
	let heartbeat: { pingInterval: number; pingTimeout: number } | undefined;
	function heard() {
		if (!heartbeat) return;
		clearTimeout(silenceTimer);
		silenceTimer = setTimeout(
			() => socket?.close(),
			heartbeat.pingInterval + heartbeat.pingTimeout
		);
	}

	function onPacket(ws: WebSocket, packet: string) {
		const engineType = packet[0];
		if (engineType === '0') {
			heartbeat = JSON.parse(packet.slice(1)) as typeof heartbeat;
			ws.send(`40${NAMESPACE},`);
		} else if (engineType === '2') {
			ws.send('3');
		} else if (engineType === '4') {
			onSocketIoPacket(ws, packet.slice(1));
		}
		heard();
	}

	function onSocketIoPacket(ws: WebSocket, packet: string) {
		const prefix = `${NAMESPACE},`;
		const type = packet[0];
		if (!packet.startsWith(prefix, 1)) return;
		const body = packet.slice(1 + prefix.length);
		if (type === '0') {
			retries = 0;
			ws.send(`42${prefix}${JSON.stringify(['series:watch', seriesId])}`);
		} else if (type === '2') {
			const [name, update] = JSON.parse(body) as [string, SpotsUpdate];
			if (name === 'series:spots' && update.seriesId === seriesId) onSpots(update);
		}
	}

	function connect() {
		const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
		const ws = new WebSocket(`${scheme}://${location.host}/socket.io/?EIO=4&transport=websocket`);
		socket = ws;
		ws.onmessage = (event) => onPacket(ws, String(event.data));
		ws.onclose = () => {
			clearTimeout(silenceTimer);
			if (stopped) return;
			const wait = Math.min(LAST_RETRY_MS, FIRST_RETRY_MS * 2 ** retries);
			retries += 1;
			retryTimer = setTimeout(connect, wait * (0.5 + Math.random() / 2));
		};
	}

	connect();
	return () => {
		stopped = true;
		clearTimeout(retryTimer);
		clearTimeout(silenceTimer);
		socket?.close();
	};
}
