import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

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
	 * Stops taking connections, closes idle ones, lets requests under way finish (each connection
	 * closes after its answer), and closes what is left once `graceMs` has passed. Resolves once
	 * the server has closed.
	 */
	shutDown: () => Promise<void>;
};

export function createAppServer(handler: Middleware, graceMs = 30_000): AppServer {
	let closing: Promise<void> | undefined;
	const server = createServer((req, res) => {
		// While shutting down, a keep-alive connection closes once its request is done, also when
		// the request began before the shutdown.
		req.once('close', () => {
			if (closing) server.closeIdleConnections();
		});
		handler(req, res, () => {
			res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
		});
	});
	const shutDown = () => {
		closing ??= new Promise<void>((closed) => {
			const force = setTimeout(() => server.closeAllConnections(), graceMs).unref();
			server.close(() => {
				clearTimeout(force);
				closed();
			});
			server.closeIdleConnections();
		});
		return closing;
	};
	return { server, shutDown };
}
