import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '$lib/realtime-events';

export type RealtimeStatus = 'connecting' | 'live' | 'offline';

type Handlers = {
	/** This sign-in no longer exists (ended elsewhere, expired): the page must leave. */
	onSignedOut: () => void;
	/** Called after every reconnect, so the page refetches what it may have missed. */
	onResync: () => void;
};

/** The dashboard's live connection: status for the UI, and typed subscriptions. */
export class Realtime {
	status: RealtimeStatus = $state('connecting');
	readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;

	constructor(handlers: Handlers) {
		this.socket = io({ path: '/socket.io', withCredentials: true });
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
	}

	on<E extends keyof ServerToClientEvents>(event: E, handler: ServerToClientEvents[E]): () => void {
		// socket.io's typed overloads do not accept a generic event name; the map above keeps it honest.
		this.socket.on(event, handler as never);
		return () => this.socket.off(event, handler as never);
	}

	close(): void {
		this.socket.close();
	}
}
