import { parse as parseCookies } from 'cookie';
import { Server } from 'socket.io';
import { AUTH_COOKIE, validateAuthSessionToken } from '../auth/session';
import { getDb } from '../db';
import { authSessionRoom, publicSeriesRoom, userRoom } from '../../realtime-events';
import { publicNamespace, registerRealtimeServer, type RealtimeServer } from './publish';

/**
 * Puts socket.io on the app's HTTP server. The handshake must carry a valid auth-session cookie;
 * each socket then joins its user's room and its own sign-in's room, and nothing else.
 */
export function attachRealtime(httpServer: Parameters<Server['attach']>[0]): RealtimeServer {
	const io: RealtimeServer = new Server(httpServer, {
		path: '/socket.io',
		serveClient: false,
		cors: { origin: false }
	});
	io.use(async (socket, next) => {
		try {
			const token = parseCookies(socket.handshake.headers.cookie ?? '')[AUTH_COOKIE];
			const validated = token ? await validateAuthSessionToken(getDb(), token) : null;
			if (!validated) return next(new Error('unauthorized'));
			socket.data.userId = validated.user.id;
			socket.data.sessionId = validated.session.id;
			next();
		} catch (error) {
			console.error('Socket authentication failed', error);
			next(new Error('unavailable'));
		}
	});
	io.on('connection', (socket) => {
		void socket.join([userRoom(socket.data.userId), authSessionRoom(socket.data.sessionId)]);
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
