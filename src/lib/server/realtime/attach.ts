import { parse as parseCookies } from 'cookie';
import { inArray } from 'drizzle-orm';
import type postgres from 'postgres';
import { Server, type Socket } from 'socket.io';
import { z } from 'zod';
import { AUTH_COOKIE, AUTH_SESSION_ENDED, validateAuthSessionToken } from '../auth/session';
import { config } from '../config';
import { getDb, type Database } from '../db';
import { authSessions } from '../db/schema';
import {
	authSessionRoom,
	publicSeriesRoom,
	seriesOfPublicRoom,
	userRoom,
	type ClientToServerEvents,
	type ServerToClientEvents
} from '../../realtime-events';
import { spotsLeftOfEach } from '../subscribers/service';
import { reportUnexpected } from '../unexpected';
import { shareAcrossInstances } from './adapter';
import { fromOwnPage } from './origin';
import {
	publicNamespace,
	registerRealtimeServer,
	type RealtimeServer,
	type SocketData
} from './publish';

type HttpServer = Exclude<Parameters<Server['attach']>[0], number>;
/** A dashboard's socket on this instance. */
type DashboardSocket = Socket<
	ClientToServerEvents,
	ServerToClientEvents,
	Record<string, never>,
	SocketData
>;

/**
 * Puts socket.io on the app's HTTP server. The handshake must come from the app's own pages and
 * carry a valid auth-session cookie; each socket then joins its user's room and its own sign-in's
 * room, and nothing else. `db` is the process-wide database unless a test runs two instances.
 */
export function attachRealtime(httpServer: HttpServer, db: Database = getDb()): RealtimeServer {
	const io: RealtimeServer = new Server(httpServer, {
		path: '/socket.io',
		serveClient: false,
		// Every page connects over WebSocket alone: with no long-polling, each connection is one
		// request to one instance, and a balancer in front of several needs no sticky sessions.
		transports: ['websocket'],
		cors: { origin: false },
		allowRequest: (request, answer) => {
			const { origin, host } = request.headers;
			if (fromOwnPage(origin, host, config().ORIGIN)) answer(null, true);
			else answer('This connection was not opened by a page of this app.', false);
		}
	});

	// Whichever instance ends a sign-in, PostgreSQL tells every instance, and each closes its own
	// sockets of it. Opened with the first handshake, and again after a failure.
	let listening: Promise<postgres.ListenMeta> | undefined;
	let listenedBefore = false;
	const listen = () =>
		(listening ??= db.$client
			.listen(
				AUTH_SESSION_ENDED,
				(sessionId) => {
					// Every instance hears this itself: passed on through the adapter as well, each
					// socket would be told once per instance.
					const room = authSessionRoom(sessionId);
					io.local.to(room).emit('auth:revoked');
					io.local.in(room).disconnectSockets();
				},
				() => {
					// Listening again after a lost connection (a database restart): sign-ins ended
					// meanwhile were announced to no one here, so every socket is checked once.
					if (listenedBefore) void endSocketsOfEndedSignIns(db, [...io.of('/').sockets.values()]);
					listenedBefore = true;
				}
			)
			.catch((error: unknown) => {
				listening = undefined;
				throw error;
			}));
	httpServer.once('close', () => {
		// A database closed first has ended the listening already.
		listening?.then((meta) => meta.unlisten()).catch(() => {});
	});

	io.use(async (socket, next) => {
		try {
			// A socket admitted before this instance hears of ended sign-ins could outlive its own.
			await listen();
			const token = parseCookies(socket.handshake.headers.cookie ?? '')[AUTH_COOKIE];
			const validated = token ? await validateAuthSessionToken(db, token) : null;
			if (!validated) return next(new Error('unauthorized'));
			socket.data.userId = validated.user.id;
			socket.data.sessionId = validated.session.id;
			next();
		} catch (error) {
			reportUnexpected(error, 'Socket authentication');
			next(new Error('unavailable'));
		}
	});
	io.on('connection', async (socket) => {
		const { userId, sessionId } = socket.data;
		await socket.join([userRoom(userId), authSessionRoom(sessionId)]);
		// A sign-in that ended between the handshake and the join was announced to a room this
		// socket was not in yet; from here on the room hears of it, so one look closes the gap.
		await endSocketsOfEndedSignIns(db, [socket]);
	});
	publicNamespace(io).on('connection', (socket) => {
		socket.on('series:watch', async (seriesId, taken) => {
			const watched = z.uuid().safeParse(seriesId);
			if (watched.success) {
				// A page shows one series: a socket watching many would only make the resync's query big.
				for (const room of socket.rooms) if (seriesOfPublicRoom(room)) await socket.leave(room);
				await socket.join(publicSeriesRoom(watched.data.toLowerCase()));
			}
			if (typeof taken === 'function') taken();
		});
	});
	registerRealtimeServer(io);
	return io;
}

/** Tells the sockets whose sign-in no longer exists, and closes them. */
async function endSocketsOfEndedSignIns(db: Database, open: DashboardSocket[]): Promise<void> {
	try {
		const ids = [...new Set(open.map((socket) => socket.data.sessionId))];
		if (ids.length === 0) return;
		const living = await db
			.select({ id: authSessions.id })
			.from(authSessions)
			.where(inArray(authSessions.id, ids));
		const alive = new Set(living.map((session) => session.id));
		for (const socket of open) {
			if (alive.has(socket.data.sessionId)) continue;
			socket.emit('auth:revoked');
			socket.disconnect(true);
		}
	} catch (error) {
		// Unsure whether the sign-ins live: the sockets are closed, and checked again as they
		// reconnect.
		reportUnexpected(error, 'Socket sign-in check');
		for (const socket of open) socket.conn.close();
	}
}

export type LiveEvents = { io: RealtimeServer; close: () => Promise<void> };

/**
 * For an app instance: socket.io on its HTTP server, its events shared with every other instance
 * on the database at `databaseUrl` (or on REDIS_URL's Redis). `close` also closes the HTTP server.
 */
export async function serveLiveEvents(
	httpServer: HttpServer,
	databaseUrl: string,
	db: Database = getDb()
): Promise<LiveEvents> {
	const io = attachRealtime(httpServer, db);
	return shared(io, databaseUrl, () => void resyncPages(io, db));
}

/**
 * Brings this instance's pages up to date once the link between instances is back after a loss (a
 * database restart): what other instances emitted meanwhile never came here. Dashboards are told to
 * load again; public pages, which show only places left, are sent the count.
 */
async function resyncPages(io: RealtimeServer, db: Database): Promise<void> {
	io.local.emit('live:resync');
	const publicPages = publicNamespace(io);
	const seriesIds = [...publicPages.adapter.rooms.keys()].flatMap(
		(room) => seriesOfPublicRoom(room) ?? []
	);
	if (seriesIds.length === 0) return;
	try {
		for (const { seriesId, spotsLeft } of await spotsLeftOfEach(db, seriesIds)) {
			publicPages.local
				.to(publicSeriesRoom(seriesId))
				.emit('series:spots', { seriesId, spotsLeft });
		}
	} catch (error) {
		reportUnexpected(error, 'Public pages resync');
	}
}

/**
 * For a process that serves no pages (`npm run worker`): what its jobs publish reaches the
 * sockets of every app instance.
 */
export async function emitLiveEvents(databaseUrl: string): Promise<LiveEvents> {
	const io: RealtimeServer = new Server({ serveClient: false });
	registerRealtimeServer(io);
	// It has no pages to bring up to date.
	return shared(io, databaseUrl, () => {});
}

async function shared(
	io: RealtimeServer,
	databaseUrl: string,
	onRelinked: () => void
): Promise<LiveEvents> {
	const adapter = await shareAcrossInstances(io, {
		databaseUrl,
		redisUrl: config().REDIS_URL,
		onRelinked
	});
	return {
		io,
		close: async () => {
			// The worker's server is attached to no HTTP server, so it has no engine, which
			// io.close() would close: its namespaces' adapters are all there is to end.
			if (io.engine) await io.close();
			else await Promise.all([io.of('/'), publicNamespace(io)].map((nsp) => nsp.adapter.close()));
			await adapter.close();
		}
	};
}
