import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createServer as createViteServer } from 'vite';

const root = fileURLToPath(new URL('../../..', import.meta.url));

export type App = { origin: string; stop: () => Promise<void> };

/**
 * The app itself (hooks, pages, form actions, endpoints) served by SvelteKit through Vite on a
 * free port of 127.0.0.1, on the test file's database (call useTestDatabase first). For what
 * shows only over HTTP: status codes, headers, what an error page says. Resolves once a page has
 * been served, so that compiling the app does not count against the first test's time.
 */
export async function startApp(): Promise<App> {
	const vite = await createViteServer({
		root,
		configFile: `${root}/vite.config.ts`,
		logLevel: 'silent',
		appType: 'custom',
		server: { middlewareMode: true, hmr: false, watch: null }
	});
	const server = createHttpServer(vite.middlewares);
	await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
	const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	const stop = async () => {
		server.closeAllConnections();
		await new Promise((closed) => server.close(closed));
		await vite.close();
	};
	const warmUp = await fetch(`${origin}/sign-in`);
	if (!warmUp.ok) {
		await stop();
		throw new Error(`The app answered ${warmUp.status} to GET /sign-in`);
	}
	return { origin, stop };
}
