import type { Namespace, Server } from 'socket.io';
import {
	publicSeriesRoom,
	userRoom,
	type ClientToServerEvents,
	type PublicClientToServerEvents,
	type PublicServerToClientEvents,
	type ServerToClientEvents
} from '../../realtime-events';

export type SocketData = { userId: string; sessionId: string };
export type RealtimeServer = Server<
	ClientToServerEvents,
	ServerToClientEvents,
	Record<string, never>,
	SocketData
>;

const slot = Symbol.for('sessionboard.realtime');
type Holder = { [slot]?: RealtimeServer };

/**
 * The socket.io server is created where the HTTP server is (the Vite plugin or the production
 * entry), outside SvelteKit's bundle; globalThis is the one place both sides share in a process.
 */
export function registerRealtimeServer(io: RealtimeServer | undefined): void {
	(globalThis as Holder)[slot] = io;
}

function io(): RealtimeServer | undefined {
	return (globalThis as Holder)[slot];
}

type EventArgs<E extends keyof ServerToClientEvents> = Parameters<ServerToClientEvents[E]>;

/** Call only after the transaction that made the change has committed. */
export function publishToUser<E extends keyof ServerToClientEvents>(
	userId: string,
	event: E,
	...args: EventArgs<E>
): void {
	io()
		?.to(userRoom(userId))
		.emit(event, ...args);
}

export type PublicNamespace = Namespace<PublicClientToServerEvents, PublicServerToClientEvents>;

/** The unauthenticated namespace of public pages. socket.io types `of()` with the main events. */
export function publicNamespace(server: RealtimeServer): PublicNamespace {
	return server.of('/public') as unknown as PublicNamespace;
}

/** Spots left on a public page: a number for anyone watching, nothing more. */
export function publishSpotsLeft(seriesId: string, spotsLeft: number): void {
	const server = io();
	if (server)
		publicNamespace(server)
			.to(publicSeriesRoom(seriesId))
			.emit('series:spots', { seriesId, spotsLeft });
}
