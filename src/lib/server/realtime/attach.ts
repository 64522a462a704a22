import { parse as parseCookies } from 'cookie';
import { eq } from 'drizzle-orm';
import type postgres from 'postgres';
import { Server } from 'socket.io';
import { AUTH_COOKIE, AUTH_SESSION_ENDED, validateAuthSessionToken } from '../auth/session';
import { config } from '../config';
import { getDb, type Database } from '../db';
import { authSessions } from '../db/schema';
import { authSessionRoom, publicSeriesRoom, userRoom } from '../../realtime-events';
import { fromOwnPage } from './origin';
import { publicNamespace, registerRealtimeServer, type RealtimeServer } from './publish';

type HttpServer = Exclude<Parameters<Server['attach']>[0], number>;

/**
 * Puts socket.io on the app's HTTP server. The handshake must come from the app's own pages and
 * carry a valid auth-session cookie; each socket then joins its user's room and its own sign-in's
 * room, and nothing else. `db` is the process-wide database unless a test runs two instances.
 */
export function attachRealtime(httpServer: HttpServer, db: Database = getDb()): RealtimeServer {
	const io: RealtimeServer = new Server(httpServer, {
		path: '/socket.io',
		serveClient: false,
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
	const listen = () =>
		(listening ??= db.$client
			.listen(AUTH_SESSION_ENDED, (sessionId) => {
				const room = authSessionRoom(sessionId);
				io.to(room).emit('auth:revoked');
				io.in(room).disconnectSockets();
			})
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
			console.error('Socket authentication failed', error);
			next(new Error('unavailable'));
		}
	});
	io.on('connection', async (socket) => {
		const { userId, sessionId } = socket.data;
		await socket.join([userRoom(userId), authSessionRoom(sessionId)]);
		// A sign-in that ended between the handshake and the join was announced to a room this
		// socket was not in yet; from here on the room hears of it, so one look closes the gap.
		const [stillSignedIn] = await db
			.select({ id: authSessions.id })
			.from(authSessions)
			.where(eq(authSessions.id, sessionId))
			.catch((error: unknown) => {
				// Unsure whether the sign-in lives: the page reconnects and is checked again.
				console.error('Socket sign-in check failed', error);
				return [];
			});
		if (!stillSignedIn) {
			socket.emit('auth:revoked');
			socket.disconnect(true);
		}
	});
	publicNamespace(io).on('connection', (socket) => {
		socket.on('series:watch', (seriesId) => {
			if (typeof seriesId === 'string' && /^[0-9a-f-]{36}$/.test(seriesId)) {
				void socket.join(publicSeriesRoom(seriesId));
			}
		});
	});
	registerRealtimeServer(io);
	return io;
}
