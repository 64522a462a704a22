/**
 * `npm run bench:practice`: latency and throughput of client search, the client page and the
 * dashboard over HTTP, for the built app and for a bare node:http + postgres.js server that runs the
 * same SQL, the sign-in check included. Needs the seeded bench database (`npm run bench:seed`) and
 * a build (`npm run build`). Every request goes to 127.0.0.1; every loop has a fixed count; what it
 * starts, it stops.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import {
	AUTH_COOKIE,
	createAuthSession,
	invalidateAuthSession
} from '../src/lib/server/auth/session';
import { createDatabase } from '../src/lib/server/db';
import { BENCH_PRACTITIONER, benchDatabaseUrl } from './bench-config';
import { captureStatements, LIST_INPUT } from './capture-sql';
import {
	assertPortFree,
	type Answer,
	type HttpTarget,
	intSetting,
	LOCALHOST,
	printTable,
	processCpuMs,
	runBench,
	send,
	startProcess,
	stopAllProcesses,
	waitUntilUp
} from './support';

const settings = {
	warmup: intSetting('BENCH_WARMUP', 50, 0, 10_000),
	latencyRequests: intSetting('BENCH_REQUESTS', 500, 20, 20_000),
	throughputRequests: intSetting('BENCH_THROUGHPUT_REQUESTS', 1000, 20, 20_000),
	concurrency: intSetting('BENCH_CONCURRENCY', 8, 1, 64),
	appPort: intSetting('BENCH_APP_PORT', 4310, 1024, 65535),
	barePort: intSetting('BENCH_BARE_PORT', 4311, 1024, 65535)
};
const TARGET_P95_MS = 30;
const TARGET_RATIO = 0.5;

type Target = HttpTarget & {
	label: 'ours' | 'bare';
	/** The server's process, when this script started it: its CPU time is read from /proc. */
	pid?: number;
};

async function getOk(target: Target, path: string): Promise<Answer> {
	const answer = await send(target, path);
	if (answer.status !== 200) {
		throw new Error(
			`${target.label} ${path} answered ${answer.status}: ${answer.body.slice(0, 300)}`
		);
	}
	return answer;
}

type Operation = {
	name: string;
	ours: (i: number) => string;
	bare: (i: number) => string;
	/** Compares one answer of each server, so that both are known to do the same work. */
	same: (ours: unknown, bare: unknown) => boolean;
};
type Result = { p50: number; p95: number; rps: number; cpuPerRequest: number | null };

const percentile = (sorted: number[], p: number) =>
	sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;

/** One request to each server per input, in alternating order, so both see the same machine. */
async function latencies(ours: Target, bare: Target, op: Operation, from: number, count: number) {
	const times = { ours: [] as number[], bare: [] as number[] };
	for (let i = from; i < from + count; i++) {
		const pair = [
			() => getOk(ours, op.ours(i)).then((a) => times.ours.push(a.ms)),
			() => getOk(bare, op.bare(i)).then((a) => times.bare.push(a.ms))
		];
		if (i % 2) pair.reverse();
		for (const send of pair) await send();
	}
	return times;
}

/** Wall and server CPU milliseconds for `count` requests, `settings.concurrency` in flight at a time. */
async function burst(target: Target, path: (i: number) => string, from: number, count: number) {
	let next = from;
	const worker = async () => {
		while (next < from + count) await getOk(target, path(next++));
	};
	const cpuBefore = processCpuMs(target.pid);
	const startedAt = performance.now();
	await Promise.all(Array.from({ length: settings.concurrency }, worker));
	const wall = performance.now() - startedAt;
	const cpuAfter = processCpuMs(target.pid);
	return { wall, cpu: cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore };
}

/** Throughput in alternating rounds, so that a busy moment on the machine does not favour one side. */
async function throughputs(ours: Target, bare: Target, op: Operation, from: number) {
	const rounds = 4;
	const perRound = Math.ceil(settings.throughputRequests / rounds);
	const spent = {
		ours: { wall: 0, cpu: 0 as number | null },
		bare: { wall: 0, cpu: 0 as number | null }
	};
	const add = (side: 'ours' | 'bare', { wall, cpu }: { wall: number; cpu: number | null }) => {
		spent[side].wall += wall;
		spent[side].cpu = cpu === null || spent[side].cpu === null ? null : spent[side].cpu + cpu;
	};
	for (let round = 0; round < rounds; round++) {
		const at = from + round * perRound;
		const sides = [
			async () => add('ours', await burst(ours, op.ours, at, perRound)),
			async () => add('bare', await burst(bare, op.bare, at, perRound))
		];
		if (round % 2) sides.reverse();
		for (const side of sides) await side();
	}
	const total = rounds * perRound;
	const summary = (side: 'ours' | 'bare') => {
		const { wall, cpu } = spent[side];
		return { rps: total / (wall / 1000), cpuPerRequest: cpu === null ? null : cpu / total };
	};
	return { ours: summary('ours'), bare: summary('bare') };
}

async function measure(ours: Target, bare: Target, op: Operation) {
	await latencies(ours, bare, op, 0, settings.warmup);
	const times = await latencies(ours, bare, op, settings.warmup, settings.latencyRequests);
	const rps = await throughputs(ours, bare, op, settings.warmup + settings.latencyRequests);
	const summary = (side: 'ours' | 'bare'): Result => {
		const sorted = times[side].sort((a, b) => a - b);
		return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), ...rps[side] };
	};
	return { o: summary('ours'), b: summary('bare') };
}

/** mulberry32: the same "random" queries on every run, so runs compare. */
function seededRandom(seed: number) {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

type Person = { name: string; email: string | null; phone: string | null };

/** What people type into the search box: 1–4 letters of a first or last name, part of an email or phone. */
function searchQueries(people: Person[], count: number): string[] {
	const random = seededRandom(2026);
	const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)]!;
	const fragment = (text: string, min: number, max: number) => {
		const length = Math.min(text.length, min + Math.floor(random() * (max - min + 1)));
		const start = Math.floor(random() * (text.length - length + 1));
		return text.slice(start, start + length);
	};
	if (people.length === 0)
		throw new Error('No active clients to search for: run npm run bench:seed.');
	const queries: string[] = [];
	while (queries.length < count) {
		const person = pick(people);
		const words = person.name.split(' ');
		const kind = random();
		const prefixLength = 1 + Math.floor(random() * 4);
		if (kind < 0.4) queries.push(words[0]!.slice(0, prefixLength));
		else if (kind < 0.7) queries.push(words.at(-1)!.slice(0, prefixLength));
		else if (kind < 0.9 && person.email) queries.push(fragment(person.email, 3, 6));
		else if (person.phone)
			queries.push(fragment(pick(person.phone.match(/\d{3,}/g) ?? ['0']), 3, 4));
	}
	return queries;
}

function at(value: unknown, ...path: (string | number)[]): unknown {
	let current = value;
	for (const key of path) {
		if (typeof current !== 'object' || current === null) return undefined;
		current = (current as Record<string | number, unknown>)[key];
	}
	return current;
}
const ids = (rows: unknown) => (Array.isArray(rows) ? rows.map((r) => at(r, 'id')) : null);
/** Row values in order: drizzle names columns by the select's keys, postgres.js by the SQL's. */
const values = (rows: unknown) =>
	Array.isArray(rows) ? rows.map((r: unknown) => Object.values(r ?? {})) : null;
const lengthOf = (rows: unknown) => (Array.isArray(rows) ? rows.length : -1);
const trpcData = (answer: string) => at(JSON.parse(answer), 'result', 'data', 'json');

const url = benchDatabaseUrl();
const temporary = mkdtempSync(join(tmpdir(), 'sessionboard-bench-'));
const db = createDatabase(url, { max: 1 });
const meta = postgres(url, { max: 1, onnotice: () => {} });
const ourAgent = new Agent({ keepAlive: true, maxSockets: settings.concurrency });
const bareAgent = new Agent({ keepAlive: true, maxSockets: settings.concurrency });
let authSessionId: string | null = null;

async function main() {
	const plan = await captureStatements(url, BENCH_PRACTITIONER.email);
	const planFile = join(temporary, 'plan.json');
	writeFileSync(planFile, JSON.stringify(plan));

	const [counts] = await meta<{ clients: number; sessions: number; server: string }[]>`
		select (select count(*)::int from clients where owner_id = ${plan.ownerId}) as clients,
			(select count(*)::int from sessions where owner_id = ${plan.ownerId}) as sessions,
			current_setting('server_version') as server`;
	const people = await meta<Person[]>`
		select name, email, phone from clients
		where owner_id = ${plan.ownerId} and archived_at is null order by md5(id::text) limit 400`;
	const clientIds = (
		await meta<{ id: string }[]>`
			select id from clients where owner_id = ${plan.ownerId} order by md5(id::text) limit 1000`
	).map((r) => r.id);
	const queries = searchQueries(people, 600);

	const { token, session } = await createAuthSession(db, plan.ownerId, {
		ip: LOCALHOST,
		userAgent: 'sessionboard-bench'
	});
	authSessionId = session.id;

	const appUrl = process.env.BENCH_APP_URL;
	let appPort = settings.appPort;
	let appPid: number | undefined;
	if (appUrl) {
		const parsed = new URL(appUrl);
		if (!['127.0.0.1', 'localhost'].includes(parsed.hostname)) {
			throw new Error('BENCH_APP_URL must point at this machine (127.0.0.1).');
		}
		appPort = Number(parsed.port || 80);
	} else {
		const entry = resolve('build/server.js');
		if (!existsSync(entry)) throw new Error(`No ${entry}: run npm run build first.`);
		await assertPortFree(appPort);
		const app = startProcess('the app', [entry], {
			...process.env,
			PORT: String(appPort),
			ORIGIN: `http://${LOCALHOST}:${appPort}`,
			DATABASE_URL: url
		});
		await waitUntilUp(appPort, '/healthz', app);
		appPid = app.child.pid;
	}
	await assertPortFree(settings.barePort);
	const bare = startProcess(
		'the bare server',
		['--import', 'tsx', fileURLToPath(new URL('./bare-server.ts', import.meta.url))],
		{
			...process.env,
			BARE_PLAN_FILE: planFile,
			BARE_PORT: String(settings.barePort),
			DATABASE_URL: url
		}
	);

	// Both servers get the same sign-in and check it on every request.
	const signedIn = { cookie: `${AUTH_COOKIE}=${token}` };
	const ours: Target = {
		label: 'ours',
		port: appPort,
		headers: signedIn,
		agent: ourAgent,
		pid: appPid
	};
	const bareTarget: Target = {
		label: 'bare',
		port: settings.barePort,
		headers: signedIn,
		agent: bareAgent,
		pid: bare.child.pid
	};
	await waitUntilUp(settings.barePort, '/health', bare);

	const trpc = (procedure: string, input?: unknown) =>
		`/api/trpc/${procedure}` +
		(input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify({ json: input }))}`);
	const operations: Operation[] = [
		{
			name: 'clients.list (search)',
			ours: (i) => trpc('clients.list', { ...LIST_INPUT, q: queries[i % queries.length] }),
			bare: (i) => `/clients.list?q=${encodeURIComponent(queries[i % queries.length]!)}`,
			same: (o, b) =>
				JSON.stringify(ids(at(o, 'items'))) === JSON.stringify(ids(at(b, 'items'))) &&
				(at(o, 'nextCursor') !== null) === at(b, 'more')
		},
		{
			name: 'clients.get (client page)',
			ours: (i) => trpc('clients.get', { id: clientIds[i % clientIds.length] }),
			bare: (i) => `/clients.get?id=${clientIds[i % clientIds.length]}`,
			same: (o, b) =>
				at(o, 'client', 'id') === at(b, 'client', 'id') &&
				JSON.stringify(ids(at(o, 'sessions'))) === JSON.stringify(ids(at(b, 'sessions'))) &&
				JSON.stringify(values(at(o, 'owed'))) === JSON.stringify(values(at(b, 'owed')))
		},
		{
			name: 'dashboard.summary',
			ours: () => trpc('dashboard.summary'),
			bare: () => '/dashboard.summary',
			same: (o, b) =>
				JSON.stringify(ids(at(o, 'upcoming'))) === JSON.stringify(ids(at(b, 'upcoming'))) &&
				at(o, 'sessionsThisWeek') === at(b, 'sessionsThisWeek') &&
				JSON.stringify(values(at(o, 'owed'))) === JSON.stringify(values(at(b, 'owed'))) &&
				lengthOf(at(o, 'recentNotes')) === lengthOf(at(b, 'recentNotes'))
		}
	];

	for (const op of operations) {
		for (const target of [ours, bareTarget]) {
			const stranger = await send({ ...target, headers: {} }, op[target.label](0));
			if (stranger.status !== 401) {
				throw new Error(
					`${target.label} ${op.name} answered ${stranger.status} without a sign-in.`
				);
			}
		}
		for (const i of [0, 1, 2]) {
			const o = trpcData((await getOk(ours, op.ours(i))).body);
			const b: unknown = JSON.parse((await getOk(bareTarget, op.bare(i))).body);
			if (!op.same(o, b)) throw new Error(`${op.name}: the two servers disagree on request ${i}.`);
		}
	}

	console.log(
		`\nSessionboard bench: ${counts?.clients} clients, ${counts?.sessions} sessions; PostgreSQL ${counts?.server} at ${new URL(url).host}` +
			`\nNode ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim()}; the app, the bare server and this client share the machine.` +
			`\nPer server and operation: ${settings.warmup} warm-up, ${settings.latencyRequests} requests one at a time (p50/p95),` +
			` ${settings.throughputRequests} requests ${settings.concurrency} at a time (req/s); the two servers take turns.` +
			`\nBoth check the sign-in cookie against the database on every request, with the same SQL.` +
			`\nLoad average before: ${loadavg()[0]?.toFixed(1)}\n`
	);
	const rows: string[][] = [];
	const cpuNotes: string[] = [];
	const cpu = (ms: number | null) => (ms === null ? 'n/a' : `${ms.toFixed(2)} ms`);
	for (const op of operations) {
		process.stdout.write(`measuring ${op.name} … `);
		const { o, b } = await measure(ours, bareTarget, op);
		const ratio = o.rps / b.rps;
		process.stdout.write('done\n');
		cpuNotes.push(`  ${op.name}: ours ${cpu(o.cpuPerRequest)}, bare ${cpu(b.cpuPerRequest)}`);
		rows.push([
			op.name,
			o.p50.toFixed(1),
			`${o.p95.toFixed(1)} ${o.p95 < TARGET_P95_MS ? '✓' : '✗'}`,
			b.p50.toFixed(1),
			b.p95.toFixed(1),
			o.rps.toFixed(0),
			b.rps.toFixed(0),
			`${ratio.toFixed(2)} ${ratio >= TARGET_RATIO ? '✓' : '✗'}`
		]);
	}
	printTable(
		[
			'operation',
			'ours p50 ms',
			'ours p95 ms',
			'bare p50 ms',
			'bare p95 ms',
			'ours req/s',
			'bare req/s',
			'throughput ratio'
		],
		rows
	);
	console.log(
		`\nServer process CPU per request in the throughput runs (steadier than req/s on a busy machine):\n${cpuNotes.join('\n')}`
	);
	console.log(`Load average after: ${loadavg()[0]?.toFixed(1)}`);
	console.log(
		`Targets: ours p95 < ${TARGET_P95_MS} ms; ours req/s ≥ ${TARGET_RATIO} × bare req/s (✓ met, ✗ missed).`
	);
}

let cleaned = false;
async function cleanUp() {
	if (cleaned) return;
	cleaned = true;
	await stopAllProcesses();
	ourAgent.destroy();
	bareAgent.destroy();
	if (authSessionId) await invalidateAuthSession(db, authSessionId).catch(() => {});
	await db.$client.end({ timeout: 1 });
	await meta.end({ timeout: 1 });
	rmSync(temporary, { recursive: true, force: true });
}

await runBench(main, cleanUp);
