/**
 * How much JavaScript a visitor's phone loads for a public signup page (/s/<slug>), measured on
 * the built app as it serves the page: the modulepreloads of its `Link` header and HTML, the
 * `import("…")` of its inline start-up script, the route nodes SvelteKit's client loads at start
 * (the page's `node_ids`, and always the root layout and error page, nodes 0 and 1) with the
 * chunks Vite maps to them, then every static import of all those files, each fetched from the
 * app and gzipped (level 9, as adapter-node precompresses). What the page's own code imports
 * later (`import()` in its route nodes) is listed apart, as "later"; the budget holds for both.
 *
 *   npm run build && npm start                  # or any running build of the app
 *   npx tsx bench/public-page-js.ts http://localhost:3000/s/<slug>
 *
 * tests/e2e/public-page.spec.ts runs the same measurement on the browser tests' build and holds
 * the page to PUBLIC_PAGE_JS_BUDGET.
 */
import { gzipSync } from 'node:zlib';

/** The most gzipped JavaScript the page may load, at start and later (issue 18: under 60 kB). */
export const PUBLIC_PAGE_JS_BUDGET = 60 * 1024;

export type Script = {
	path: string;
	/** `start`: loaded with the page; `later`: imported by the page's code once it runs. */
	when: 'start' | 'later';
	bytes: number;
	gzip: number;
};

export type Measurement = { scripts: Script[]; start: number; later: number };

const STATIC_IMPORT =
	/(?:^|[;}\s)])(?:import|export)\s*(?:[\w$*{}\s,]+?\s*from\s*)?["']([^"']+\.js)["']/g;
const DYNAMIC_IMPORT = /\bimport\(\s*["']([^"']+\.js)["']\s*\)/g;
function all(pattern: RegExp, text: string): string[] {
	return [...text.matchAll(pattern)].map((m) => m[1]!);
}

const numbers = (list: string) =>
	list
		.split(',')
		.filter((n) => n.trim())
		.map(Number);

/** Vite's table of what a file's lazy imports need (paths relative to the file), by index. */
function viteDeps(text: string): string[] {
	const table = text.match(/__vite__mapDeps=[^[]*\[([^\]]*)\]/)?.[1] ?? '';
	return all(/"([^"]+)"/g, table);
}

/** The page's chunks: its route nodes (layouts and page), where its own `import()`s are. */
const isRouteNode = (path: string) => /\/nodes\/\d+\.[\w-]+\.js$/.test(path);

export async function measurePublicPageJs(pageUrl: string): Promise<Measurement> {
	const page = new URL(pageUrl);
	const response = await fetch(page, { headers: { 'accept-encoding': 'identity' } });
	if (!response.ok) throw new Error(`${pageUrl}: ${response.status}`);
	const html = await response.text();
	const inline = all(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g, html).join('\n');
	const first = [
		...all(/<([^>]+)>;\s*rel="modulepreload"/g, response.headers.get('link') ?? ''),
		...all(/<script[^>]*\bsrc="([^"]+)"/g, html),
		...all(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g, html),
		...all(/<link[^>]*href="([^"]+)"[^>]*rel="modulepreload"/g, html),
		...all(DYNAMIC_IMPORT, inline)
	]
		.filter((href) => href.endsWith('.js'))
		.map((href) => new URL(href, page).href);

	const texts = new Map<string, string>();
	const read = async (url: string) => {
		let text = texts.get(url);
		if (text === undefined) {
			const response = await fetch(url, { headers: { 'accept-encoding': 'identity' } });
			if (!response.ok) throw new Error(`${url}: ${response.status}`);
			text = await response.text();
			texts.set(url, text);
		}
		return text;
	};

	const when = new Map<string, Script['when']>();
	const walk = async (urls: string[], stage: Script['when']) => {
		const queue = [...urls];
		while (queue.length > 0) {
			const url = queue.shift()!;
			if (when.has(url)) continue;
			when.set(url, stage);
			const text = await read(url);
			queue.push(...all(STATIC_IMPORT, text).map((href) => new URL(href, url).href));
		}
	};
	await walk(first, 'start');

	// SvelteKit's client then loads the route nodes by number from the app's entry: the page's
	// own (`node_ids` in the start-up script) and always the root layout and error page (0, 1).
	const nodeIds = new Set([0, 1, ...all(/node_ids:\s*\[([\d,\s]*)\]/g, inline).flatMap(numbers)]);
	const nodes: string[] = [];
	for (const url of [...when.keys()].filter((u) => /\/entry\/app\.[\w-]+\.js$/.test(u))) {
		const text = texts.get(url)!;
		const deps = viteDeps(text);
		for (const m of text.matchAll(
			/import\("([^"]*\/nodes\/(\d+)\.[\w-]+\.js)"\)(?:,__vite__mapDeps\(\[([\d,]*)\]\))?/g
		)) {
			if (!nodeIds.has(Number(m[2]))) continue;
			nodes.push(new URL(m[1]!, url).href);
			for (const i of numbers(m[3] ?? '')) {
				if (deps[i]?.endsWith('.js')) nodes.push(new URL(deps[i], url).href);
			}
		}
	}
	await walk(nodes, 'start');

	// What the page's own chunks import once they run, and what those imports need.
	const later: string[] = [];
	for (const url of [...when.keys()].filter(isRouteNode)) {
		const text = texts.get(url)!;
		later.push(...all(DYNAMIC_IMPORT, text).map((href) => new URL(href, url).href));
		for (const dep of viteDeps(text)) {
			if (dep.endsWith('.js')) later.push(new URL(dep, url).href);
		}
	}
	await walk(later, 'later');

	const scripts = [...when].map(([url, stage]) => {
		const bytes = Buffer.from(texts.get(url)!);
		return {
			path: new URL(url).pathname,
			when: stage,
			bytes: bytes.length,
			gzip: gzipSync(bytes, { level: 9 }).length
		};
	});
	const sum = (stage: Script['when']) =>
		scripts.filter((s) => s.when === stage).reduce((total, s) => total + s.gzip, 0);
	return { scripts, start: sum('start'), later: sum('later') };
}

const kB = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;

/** The measurement as a table, largest first, with the totals and the budget. */
export function jsTable({ scripts, start, later }: Measurement): string {
	const rows = [...scripts].sort((a, b) => a.when.localeCompare(b.when) || b.gzip - a.gzip);
	const width = Math.max(...rows.map((r) => r.path.length), 'file'.length);
	const line = (cells: string[]) =>
		`| ${cells[0]!.padEnd(width)} | ${cells[1]!.padEnd(5)} | ${cells[2]!.padStart(9)} | ${cells[3]!.padStart(9)} |`;
	return [
		line(['file', 'when', 'raw', 'gzip']),
		line(['-'.repeat(width), '-----', '-'.repeat(9), '-'.repeat(9)]),
		...rows.map((r) => line([r.path, r.when, kB(r.bytes), kB(r.gzip)])),
		'',
		`Loaded with the page: ${kB(start)} gzip; imported later by its code: ${kB(later)} gzip.`,
		`In all: ${kB(start + later)} gzip (budget ${kB(PUBLIC_PAGE_JS_BUDGET)}).`
	].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
	const url = process.argv[2];
	if (!url) {
		console.error('Usage: npx tsx bench/public-page-js.ts http://localhost:3000/s/<slug>');
		process.exit(2);
	}
	const measurement = await measurePublicPageJs(url);
	console.log(jsTable(measurement));
	process.exit(measurement.start + measurement.later < PUBLIC_PAGE_JS_BUDGET ? 0 : 1);
}
