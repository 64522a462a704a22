import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '$lib/realtime-events';

/** Over how long the pages told to load again spread their loads. */
const RESYNC_SPREAD_MS = 5000;

export type RealtimeStatus = 'connecting' | 'live' | 'offline';

type Handlers = {
	/** This sign-in no longer exists (ended elsewhere, expired): the page must leave. */
	onSignedOut: () => void;
	/** Called after every reconnect, or when told events may have been missed, so the page refetches. */
	onResync: () => void;
};

/** The dashboard's live connection: status for the UI, and typed subscriptions. */
export class Realtime {
	status: RealtimeStatus = $state('connecting');
	readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;

	constructor(handlers: Handlers) {
		// WebSocket alone, as the server allows: no long-polling first, so a connection never hangs
		// half-way through its upgrade (deaf to events while it says it is connected).
		this.socket = io({ path: '/socket.io', transports: ['websocket'] });
		let connectedBefore = false;
		this.socket.on('connect', () => {
			this.status = 'live';
			if (connectedBefore) handlers.onResync();
			connectedBefore = true;
		});
		this.socket.on('disconnect', () => (this.status = 'offline'));
		this.socket.on('connect_error', (error) => {
			this.status = 'offline';
			if (error.message === 'unauthorized') handlers.onSignedOut();
		});
		this.socket.on('auth:revoked', handlers.onSignedOut);
		// Told to every page of an instance at once: spread out, so they do not all load together
		// just as the database comes back.
		this.socket.on('live:resync', () =>
			setTimeout(handlers.onResync, Math.random() * RESYNC_SPREAD_MS)
		);
		addEventListener('online', this.#reconnectNow);
	}

	/**
	 * Back online (a tablet's Wi-Fi returns): try again at once, rather than after socket.io's
	 * back-off, or behind an attempt made while offline that waits out its 20 s timeout.
	 */
	#reconnectNow = () => {
		if (!this.socket.connected) this.socket.disconnect().connect();
	};

	on<E extends keyof ServerToClientEvents>(event: E, handler: ServerToClientEvents[E]): () => void {
		// socket.io's typed overloads do not accept a generic event name; the map above keeps it honest.
		this.socket.on(event, handler as never);
		return () => this.socket.off(event, handler as never);
	}

	close(): void {
		removeEventListener('online', this.#reconnectNow);
		this.socket.close();
	}
}
