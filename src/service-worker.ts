/// <reference types="@sveltejs/kit" />
/// <reference no-default-lib="true"/>
/// <reference lib="esnext" />
/// <reference lib="webworker" />
import { build, files, version } from '$service-worker';

/*
 * Keeps the tablet session mode usable through a reload without a connection: the build's assets
 * are cached at install, and /today (its page and its data) is fetched from the network first and
 * kept as a fallback. Nothing else that is signed-in is cached, and the kept pages are deleted on
 * sign-out, on the way to the sign-in page, and whenever the server says the person is signed out.
 * Note drafts are not here: the page keeps them in localStorage.
 */

const sw = self as unknown as ServiceWorkerGlobalScope;

const ASSETS = `assets-${version}`;
/** Per version too: a page of an older build names asset files that are no longer cached. */
const PAGES = `pages-${version}`;

/** The app's own files; README screenshots in static/ are not something a tablet needs offline. */
const assetPaths = new Set([
	...build,
	...files.filter((file) => !file.startsWith('/screenshots/'))
]);

const OFFLINE_PAGE = '/today';
const OFFLINE_DATA = '/today/__data.json';

sw.addEventListener('install', (event) => {
	event.waitUntil(
		caches
			.open(ASSETS)
			.then((cache) => cache.addAll([...assetPaths]))
			.then(() => sw.skipWaiting())
	);
});

sw.addEventListener('activate', (event) => {
	event.waitUntil(
		(async () => {
			for (const key of await caches.keys()) {
				if (key !== ASSETS && key !== PAGES) await caches.delete(key);
			}
			await sw.clients.claim();
			// The page that registered this worker loaded before it existed: keep that load too.
			const windows = await sw.clients.matchAll({ type: 'window', includeUncontrolled: true });
			await Promise.all(windows.map((client) => keepPage(client.url)));
		})()
	);
});

function forgetPages(): Promise<boolean> {
	return caches.delete(PAGES);
}

/** A plain 200 from our own server: redirects (signed out) and errors are never kept. */
function keepable(response: Response): boolean {
	return response.status === 200 && response.type === 'basic' && !response.redirected;
}

/** SvelteKit answers a data request with a redirect as a 200 whose body says so. */
async function isDataRedirect(response: Response): Promise<boolean> {
	const text = await response.clone().text();
	return text.startsWith('{"type":"redirect"');
}

/** Fetches a /today address and keeps the answer, as the page's own request would have. */
async function keepPage(address: string): Promise<void> {
	const url = new URL(address);
	if (url.origin !== sw.location.origin || url.pathname !== OFFLINE_PAGE) return;
	try {
		const response = await fetch(url, { credentials: 'same-origin', redirect: 'manual' });
		if (keepable(response)) await (await caches.open(PAGES)).put(url, response);
		else if (response.type === 'opaqueredirect') await forgetPages();
	} catch {
		// Offline: what is kept stays kept.
	}
}

async function cacheFirst(request: Request): Promise<Response> {
	const cached = await caches.match(request, { cacheName: ASSETS });
	return cached ?? fetch(request);
}

async function networkFirst(event: FetchEvent, isData: boolean): Promise<Response> {
	const { request } = event;
	let response: Response;
	try {
		response = await fetch(request);
	} catch (error) {
		const pages = await caches.open(PAGES);
		// Any kept /today will do: the open session is chosen from the address by the page.
		const cached =
			(await pages.match(request, { ignoreVary: true })) ??
			(await pages.match(request, { ignoreVary: true, ignoreSearch: true }));
		if (cached) return cached;
		throw error;
	}

	if (response.type === 'opaqueredirect' || (isData && (await isDataRedirect(response)))) {
		await forgetPages();
	} else if (keepable(response)) {
		await (await caches.open(PAGES)).put(request, response.clone());
		// The data changed (a start, a save, a live update): the kept page should show it too.
		if (isData && event.clientId) {
			event.waitUntil(
				sw.clients.get(event.clientId).then((client) => client && keepPage(client.url))
			);
		}
	}
	return response;
}

sw.addEventListener('fetch', (event) => {
	const { request } = event;
	const url = new URL(request.url);
	if (url.origin !== sw.location.origin) return;

	if (
		url.pathname === '/sign-out' ||
		(request.mode === 'navigate' && url.pathname === '/sign-in')
	) {
		event.waitUntil(forgetPages());
		return;
	}
	if (request.method !== 'GET') return;

	if (assetPaths.has(url.pathname)) {
		event.respondWith(cacheFirst(request));
	} else if (request.mode === 'navigate' && url.pathname === OFFLINE_PAGE) {
		event.respondWith(networkFirst(event, false));
	} else if (url.pathname === OFFLINE_DATA) {
		event.respondWith(networkFirst(event, true));
	}
});
