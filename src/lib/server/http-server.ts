import {
	createServer,
	type IncomingMessage,
	type OutgoingHttpHeaders,
	type Server,
	type ServerResponse
} from 'node:http';
import { Server as NetServer } from 'node:net';
import {
	constants,
	createBrotliCompress,
	createGzip,
	type BrotliCompress,
	type Gzip
} from 'node:zlib';

/**
 * Connections the kernel may hold before the app accepts them (it caps this at
 * net.core.somaxconn). Node's default, 511, overflows when a crowd opens a public signup page at
 * once; each refused connection then waits a second or more for its retry.
 */
export const LISTEN_BACKLOG = 4096;

/** SvelteKit's adapter-node handler: a Connect-style middleware that calls `next` for nothing. */
export type Middleware = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

export type AppServer = {
	server: Server;
	/**
	 * Stops taking connections and lets requests under way finish. Each connection closes after
	 * its next answer (which says Connection: close) or once it was idle for the keep-alive
	 * timeout; what is left is closed once `graceMs` has passed. Resolves once the server has closed.
	 */
	shutDown: () => Promise<void>;
};

/** Types worth compressing: text of any kind, not a stream of events (each must arrive at once). */
const COMPRESSIBLE =
	/^(text\/(?!event-stream)|application\/(json|javascript|xml|manifest\+json|x-ndjson)|image\/svg\+xml)/i;
/** Below this, compressing saves less than it costs. */
const MIN_BYTES = 1024;

/** br or gzip, as the request's Accept-Encoding allows (br first); null for neither. */
export function chooseEncoding(acceptEncoding: string | undefined): 'br' | 'gzip' | null {
	const accepted = new Map<string, number>();
	for (const part of (acceptEncoding ?? '').split(',')) {
		const [name, ...params] = part.trim().toLowerCase().split(';');
		const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
		accepted.set(name!, q ? Number(q.slice(2)) || 0 : 1);
	}
	const allows = (name: string) => (accepted.get(name) ?? accepted.get('*') ?? 0) > 0;
	return allows('br') ? 'br' : allows('gzip') ? 'gzip' : null;
}

/**
 * Compresses the response of `req` as it is written, when its type is text and it is not encoded
 * already: the app's pages and data (SvelteKit's static files come precompressed by the adapter,
 * and keep their own Content-Encoding). Each write is flushed, so a streamed page still arrives
 * as it is written. socket.io's requests never get here: it answers them before the app does.
 */
function compress(req: IncomingMessage, res: ServerResponse): void {
	const encoding = chooseEncoding(req.headers['accept-encoding']);
	const write = res.write.bind(res) as (chunk: unknown) => boolean;
	const end = res.end.bind(res) as (chunk?: unknown) => ServerResponse;
	const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
	let stream: Gzip | BrotliCompress | null | undefined;

	const decide = () => {
		if (stream !== undefined || res.headersSent) return;
		stream = null;
		const type = String(res.getHeader('content-type') ?? '');
		if (!COMPRESSIBLE.test(type)) return;
		const vary = String(res.getHeader('vary') ?? '');
		if (!/accept-encoding|\*/i.test(vary)) {
			res.setHeader('vary', vary ? `${vary}, Accept-Encoding` : 'Accept-Encoding');
		}
		const length = Number(res.getHeader('content-length') ?? Infinity);
		if (
			!encoding ||
			req.method === 'HEAD' ||
			res.statusCode === 204 ||
			res.statusCode === 304 ||
			// A part of a file (Range) must arrive byte for byte as asked.
			res.statusCode === 206 ||
			res.hasHeader('content-range') ||
			res.hasHeader('content-encoding') ||
			/no-transform/i.test(String(res.getHeader('cache-control') ?? '')) ||
			length < MIN_BYTES
		) {
			return;
		}
		res.removeHeader('content-length');
		res.setHeader('content-encoding', encoding);
		const compressor =
			encoding === 'br'
				? createBrotliCompress({
						flush: constants.BROTLI_OPERATION_FLUSH,
						params: { [constants.BROTLI_PARAM_QUALITY]: 5 }
					})
				: createGzip({ flush: constants.Z_SYNC_FLUSH });
		compressor.on('data', (chunk: Buffer) => {
			if (!write(chunk)) compressor.pause();
		});
		res.on('drain', () => compressor.resume());
		// A writer told to wait (write returned false) waits for the response's 'drain': when it
		// was the compressor that was full, and not the socket, only the compressor says so.
		compressor.on('drain', () => res.emit('drain'));
		compressor.on('end', () => end());
		// A visitor who goes away mid-answer leaves nothing behind.
		res.on('close', () => compressor.destroy());
		stream = compressor;
	};

	res.writeHead = ((...args: unknown[]) => {
		// writeHead(status[, message][, headers]): headers given here count in the decision too.
		const headers = args.find((a, i) => i > 0 && typeof a === 'object' && a !== null);
		if (Array.isArray(headers)) {
			for (let i = 0; i + 1 < headers.length; i += 2) res.setHeader(headers[i], headers[i + 1]);
		} else if (headers) {
			for (const [name, value] of Object.entries(headers as OutgoingHttpHeaders)) {
				if (value !== undefined) res.setHeader(name, value);
			}
		}
		res.statusCode = args[0] as number;
		if (typeof args[1] === 'string') res.statusMessage = args[1];
		decide();
		return writeHead(res.statusCode);
	}) as typeof res.writeHead;

	res.write = ((chunk: unknown, ...rest: unknown[]) => {
		decide();
		if (!stream) return write(chunk, ...(rest as []));
		const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
		const encodingArg = typeof rest[0] === 'string' ? (rest[0] as BufferEncoding) : undefined;
		return stream.write(
			typeof chunk === 'string' ? Buffer.from(chunk, encodingArg) : (chunk as Buffer),
			callback
		);
	}) as typeof res.write;

	res.end = ((chunk?: unknown, ...rest: unknown[]) => {
		if (typeof chunk === 'function') {
			rest = [chunk];
			chunk = undefined;
		}
		// A body given whole to end() is known in size: small ones go as they are.
		if (stream === undefined && chunk !== undefined && !res.hasHeader('content-length')) {
			const size = typeof chunk === 'string' ? Buffer.byteLength(chunk) : (chunk as Buffer).length;
			res.setHeader('content-length', size);
		}
		decide();
		if (!stream) return end(chunk, ...(rest as []));
		const encodingArg = typeof rest[0] === 'string' ? (rest[0] as BufferEncoding) : undefined;
		if (chunk !== undefined && chunk !== null) {
			stream.write(typeof chunk === 'string' ? Buffer.from(chunk, encodingArg) : (chunk as Buffer));
		}
		stream.end();
		return res;
	}) as typeof res.end;
}

/**
 * Ends the connection after this answer, and says so (Connection: close), so that the client
 * sends its next request elsewhere instead of on a connection that is about to close.
 */
function lastOnItsConnection(res: ServerResponse): void {
	if (!res.headersSent) res.setHeader('connection', 'close');
}

/**
 * `headers` go on every answer, the static files' included, which the handler serves before the
 * app's hooks see the request.
 */
export function createAppServer(
	handler: Middleware,
	graceMs = 30_000,
	headers: OutgoingHttpHeaders = {}
): AppServer {
	let closing: Promise<void> | undefined;
	const answering = new Set<ServerResponse>();
	const server = createServer((req, res) => {
		for (const [name, value] of Object.entries(headers)) res.setHeader(name, value!);
		if (closing) lastOnItsConnection(res);
		answering.add(res);
		res.once('close', () => answering.delete(res));
		compress(req, res);
		handler(req, res, () => {
			res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
		});
	});
	const shutDown = () => {
		closing ??= new Promise<void>((closed) => {
			const force = setTimeout(() => server.closeAllConnections(), graceMs).unref();
			// net.Server's close, not http.Server's, which also closes every idle keep-alive
			// connection at once: a request the client has just sent on one, not yet read by a busy
			// app, would be lost with it. Left open, such a connection carries one more request at
			// most, answered as its last, or ends after the keep-alive timeout.
			NetServer.prototype.close.call(server, () => {
				clearTimeout(force);
				closed();
			});
			for (const res of answering) lastOnItsConnection(res);
		});
		return closing;
	};
	return { server, shutDown };
}
