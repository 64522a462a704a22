/**
 * `npm run bench:live`: how fast a change reaches the open dashboards, on one app instance and on
 * two, and how the dashboards come back when their instance restarts.
 *
 * BENCH_SOCKETS open dashboards (default 1,000): socket.io-client sockets opened as the app's pages
 * open theirs, each with a sign-in of its own, shared among BENCH_PRACTITIONERS practitioners
 * (default 100, so 10 devices each: every change reaches 10 sockets).
 *
 * 1. One instance: every BENCH_INTERVAL_MS (default 100) for BENCH_SECONDS (default 60), one
 *    practitioner renames one of their clients (`clients.update`, tRPC over HTTP); the app tells
 *    that practitioner's dashboards (`practice:changed` with the client's id). Measured: the time
 *    from sending the request to the event at each socket, and the deliveries still missing
 *    BENCH_GRACE_SECONDS (default 5) after the last change was answered (lost).
 * 2. Two instances on the same database, the sockets split evenly, the changes made through the
 *    first: half the events cross through PostgreSQL.
 * 3. Restart: every socket on the first instance, which is stopped (SIGTERM) and started again on
 *    its port while the changes go on through the second. Each socket reconnects by itself and
 *    reloads its dashboard as the page does; measured: the time from the SIGTERM until all have
 *    done so, and the dashboards that differ from the database's once the changes stop.
 *
 * Other settings: BENCH_RESTART_DEADLINE_SECONDS (60) bounds the wait for the restarted
 * instance's dashboards. A quick try:
 * `BENCH_SOCKETS=200 BENCH_PRACTITIONERS=20 BENCH_SECONDS=10 npm run bench:live`.
 *
 * Builds the app first if its sources changed. Runs `node build/server.js` instances on free ports
 * of 127.0.0.1 against DATABASE_URL (created and migrated if missing); every run first deletes the
 * practitioners an earlier run left there. Every loop has a count or a deadline; what it starts,
 * it stops.
 */
import { Agent } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { like } from 'drizzle-orm';
import { io as connect, type Socket } from 'socket.io-client';
import { buildIfStale } from '../src/cli/build';
import type {
	ClientToServerEvents,
	PracticeChange,
	ServerToClientEvents
} from '../src/lib/realtime-events';
import { AUTH_COOKIE, createAuthSession } from '../src/lib/server/auth/session';
import { createDatabase } from '../src/lib/server/db';
import { ensureDatabase, migrateDatabase } from '../src/lib/server/db/migrate';
import { clients, sessions, users } from '../src/lib/server/db/schema';
import { startInstance, stopInstances, type Instance } from '../tests/cluster/support/instance';
import { benchDatabaseUrl, serverUrlAndName } from './bench-config';
import {
	intSetting,
	postgresCpu,
	postgresCpuBetween,
	printTable,
	processCpuMs,
	runBench,
	send,
	type HttpTarget
} from './support';

const settings = {
	sockets: intSetting('BENCH_SOCKETS', 1000, 2, 5000),
	practitioners: intSetting('BENCH_PRACTITIONERS', 100, 1, 1000),
	seconds: intSetting('BENCH_SECONDS', 60, 1, 600),
	intervalMs: intSetting('BENCH_INTERVAL_MS', 100, 10, 10_000),
	graceSeconds: intSetting('BENCH_GRACE_SECONDS', 5, 1, 60),
	restartDeadlineSeconds: intSetting('BENCH_RESTART_DEADLINE_SECONDS', 60, 5, 600)
};
const TARGETS = { oneInstanceP99Ms: 150, twoInstancesP99Ms: 250 };
/** Each practitioner's clients, one session each in the coming days so the dashboard shows them. */
const CLIENTS_EACH = 8;
/** Changes made before each measured run, not counted: the first requests also compile code. */
const WARMUP_CHANGES = 20;
/** In the restart run: changes before the SIGTERM, and after every dashboard has reloaded. */
const RESTART_LEAD_MS = 2000;
const RESTART_TAIL_MS = 2000;
/** Addresses of this bench's practitioners: every run deletes what an earlier run left. */
const DOMAIN = 'live-bench.example.com';
const DEVICE = { ip: '127.0.0.1', userAgent: 'Sessionboard live bench' };

const url = benchDatabaseUrl();
const db = createDatabase(url, { max: 4 });
/** Instances serve the web only, as in a scaled-out deployment (the jobs have workers of their own). */
const INSTANCE_ENV = { WORKER_IN_APP: 'false' };

const now = () => performance.now();
const sleep = (ms: number) => new Promise((wake) => setTimeout(wake, ms));

async function waitUntil(check: () => boolean, deadline: number): Promise<boolean> {
	while (!check()) {
		if (now() > deadline) return false;
		await sleep(20);
	}
	return true;
}

type Practitioner = {
	/** The sign-in the changes are made with: the practitioner at their desk. */
	cookie: string;
	clientIds: string[];
	/** Their open dashboards' sign-ins, one per device. */
	deviceCookies: string[];
};

/** Deletes an earlier run's practitioners, then makes them anew with clients, sessions and sign-ins. */
async function seed(): Promise<Practitioner[]> {
	await db.delete(users).where(like(users.email, `%@${DOMAIN}`));
	const owners = await db
		.insert(users)
		.values(
			Array.from({ length: settings.practitioners }, (_, p) => ({
				name: `Live Bench ${p + 1}`,
				email: `practitioner-${p + 1}@${DOMAIN}`,
				timeZone: 'Europe/Berlin',
				ageConfirmedAt: new Date(),
				emailVerifiedAt: new Date()
			}))
		)
		.returning({ id: users.id });
	const made = await db
		.insert(clients)
		.values(
			owners.flatMap(({ id }) =>
				Array.from({ length: CLIENTS_EACH }, (_, c) => ({ ownerId: id, name: `Client ${c + 1}` }))
			)
		)
		.returning({ id: clients.id, ownerId: clients.ownerId });
	// Tomorrow from 07:00 UTC, an hour apart: within the dashboard's eight days, never overlapping.
	const tomorrow = new Date();
	tomorrow.setUTCHours(24 + 7, 0, 0, 0);
	await db.insert(sessions).values(
		made.map(({ id, ownerId }, i) => {
			const startsAt = new Date(tomorrow.getTime() + (i % CLIENTS_EACH) * 3_600_000);
			return {
				ownerId,
				clientId: id,
				startsAt,
				endsAt: new Date(startsAt.getTime() + 50 * 60_000),
				timeZone: 'Europe/Berlin',
				currency: 'EUR'
			};
		})
	);
	const devicesEach = settings.sockets / settings.practitioners;
	const signIn = async (userId: string) =>
		`${AUTH_COOKIE}=${(await createAuthSession(db, userId, DEVICE)).token}`;
	return Promise.all(
		owners.map(async ({ id }) => ({
			cookie: await signIn(id),
			clientIds: made.filter((c) => c.ownerId === id).map((c) => c.id),
			deviceCookies: await Promise.all(Array.from({ length: devicesEach }, () => signIn(id)))
		}))
	);
}

type LiveSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** One open dashboard: a device of a practitioner, its live connection and what it shows. */
type Dashboard = {
	owner: number;
	cookie: string;
	instance: Instance;
	socket: LiveSocket;
	/** Connections made so far; every one after the first is a reconnect. */
	connects: number;
	/** The dashboard's data as it last loaded it after a reconnect, as JSON (the restart run). */
	view?: string;
	onChange?: (change: PracticeChange) => void;
	onReconnect?: () => void;
};

/** Each dashboard is its own browser; the app's pages reconnect with socket.io's defaults. */
function openDashboard(owner: number, cookie: string, instance: Instance): Dashboard {
	const socket: LiveSocket = connect(instance.origin, {
		path: '/socket.io',
		forceNew: true,
		transports: ['websocket'],
		// A browser sends the page's origin and the sign-in cookie on every request of the socket.
		extraHeaders: { cookie, origin: instance.origin }
	});
	const dashboard: Dashboard = { owner, cookie, instance, socket, connects: 0 };
	socket.on('connect', () => {
		dashboard.connects += 1;
		if (dashboard.connects > 1) dashboard.onReconnect?.();
	});
	socket.on('practice:changed', (change) => dashboard.onChange?.(change));
	return dashboard;
}

/**
 * Opens `count` dashboards, dashboard i a device of practitioner i ÷ (devices each) on instance
 * `instanceOf(i)`, 100 handshakes at a time, and waits until all are connected.
 */
async function openDashboards(
	practitioners: Practitioner[],
	instanceOf: (i: number) => Instance
): Promise<Dashboard[]> {
	const devicesEach = settings.sockets / settings.practitioners;
	const dashboards: Dashboard[] = [];
	for (let from = 0; from < settings.sockets; from += 100) {
		const batch: Dashboard[] = [];
		for (let i = from; i < Math.min(from + 100, settings.sockets); i++) {
			const owner = Math.floor(i / devicesEach);
			batch.push(
				openDashboard(owner, practitioners[owner]!.deviceCookies[i % devicesEach]!, instanceOf(i))
			);
		}
		dashboards.push(...batch);
		const deadline = now() + 30_000;
		if (!(await waitUntil(() => batch.every((d) => d.socket.connected), deadline))) {
			closeDashboards(dashboards);
			throw new Error(`Dashboards did not connect within 30 s (${from}–${from + batch.length}).`);
		}
	}
	return dashboards;
}

function closeDashboards(dashboards: Dashboard[]): void {
	for (const dashboard of dashboards) dashboard.socket.close();
}

/** One keep-alive connection pool per instance, as a browser keeps its connections. */
const agents = new Map<number, Agent>();
function target(instance: Instance, cookie: string): HttpTarget {
	let agent = agents.get(instance.port);
	if (!agent) agents.set(instance.port, (agent = new Agent({ keepAlive: true })));
	return { port: instance.port, agent, headers: { cookie, origin: instance.origin } };
}

type Change = {
	owner: number;
	clientId: string;
	/** The client's new name: the dashboard shows it once it has loaded its data again. */
	name: string;
	sentAt: number;
	answeredAt?: number;
	error?: string;
	/** The practitioner's dashboards connected when it was sent: each should hear of it. */
	expected: number;
	/** When each dashboard heard of it. */
	heard: Map<Dashboard, number>;
};

/**
 * The changes of one run, change k renaming client ⌊k ÷ practitioners⌋ mod CLIENTS_EACH of
 * practitioner k mod practitioners: the same client again only practitioners × CLIENTS_EACH
 * changes later, so an event names its change by the client's id.
 */
class Changes {
	readonly all: Change[] = [];
	private latest = new Map<string, Change>();
	duplicates = 0;
	strays = 0;

	constructor(
		private readonly practitioners: Practitioner[],
		private readonly label: string
	) {}

	/** Renames a client through `instance` over tRPC, as the client page's form does. */
	async make(k: number, instance: Instance, dashboards: Dashboard[]): Promise<void> {
		const owner = k % this.practitioners.length;
		const { cookie, clientIds } = this.practitioners[owner]!;
		const slot = Math.floor(k / this.practitioners.length) % CLIENTS_EACH;
		const clientId = clientIds[slot]!;
		const change: Change = {
			owner,
			clientId,
			name: `Client ${slot + 1} (${this.label} ${k})`,
			sentAt: now(),
			expected: dashboards.filter((d) => d.owner === owner && d.socket.connected).length,
			heard: new Map()
		};
		this.all.push(change);
		this.latest.set(clientId, change);
		const body = JSON.stringify({ json: { id: clientId, name: change.name, tags: '' } });
		try {
			const answer = await send(target(instance, cookie), '/api/trpc/clients.update', {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body
			});
			change.answeredAt = now();
			if (answer.status !== 200) change.error = `${answer.status}: ${answer.body.slice(0, 200)}`;
		} catch (error) {
			change.error = error instanceof Error ? error.message : String(error);
		}
	}

	heard(dashboard: Dashboard, { entity, ids }: PracticeChange): void {
		const at = now();
		for (const id of entity === 'client' ? ids : []) {
			const change = this.latest.get(id);
			if (!change || change.owner !== dashboard.owner) this.strays += 1;
			else if (change.heard.has(dashboard)) this.duplicates += 1;
			else change.heard.set(dashboard, at);
		}
	}

	/** Each client's last change, which the database holds now. */
	get last(): Change[] {
		return [...this.latest.values()];
	}

	get missing(): number {
		return this.all.reduce((sum, c) => sum + (c.error ? 0 : c.expected - c.heard.size), 0);
	}
}

/** Calls `act(k)` every BENCH_INTERVAL_MS on a fixed schedule, while `goOn(k)`; resolves with all. */
async function paced(
	goOn: (k: number) => boolean,
	act: (k: number) => Promise<void>
): Promise<void> {
	const started = now();
	const acts: Promise<void>[] = [];
	for (let k = 0; goOn(k); k++) {
		const due = started + k * settings.intervalMs;
		if (due > now()) await sleep(due - now());
		acts.push(act(k));
	}
	await Promise.all(acts);
}

/** The CPU time (ms) an instance's process has used so far. */
const cpuOf = (instance: Instance) => () => processCpuMs(instance.child.pid);

/**
 * CPU each instance (read by `instances`), PostgreSQL and this process used during a run, as % of
 * one core, and how late this process ran its timers.
 */
function cpuMeter(instances: (() => number | null)[]) {
	const lag = monitorEventLoopDelay({ resolution: 10 });
	lag.enable();
	const startedAt = now();
	const own = process.cpuUsage();
	const servers = instances.map((read) => read());
	const postgres = postgresCpu();
	return () => {
		lag.disable();
		const wall = now() - startedAt;
		const used = process.cpuUsage(own);
		const percent = (ms: number | null) => (ms === null ? null : (100 * ms) / wall);
		return {
			bench: percent((used.user + used.system) / 1000),
			servers: instances.map((read, i) => {
				const before = servers[i];
				const after = read();
				return percent(before == null || after === null ? null : after - before);
			}),
			postgres: percent(postgresCpuBetween(postgres, postgresCpu())),
			lagP99Ms: lag.percentile(99) / 1e6,
			lagMaxMs: lag.max / 1e6
		};
	};
}
type CpuUse = ReturnType<ReturnType<typeof cpuMeter>>;

const percentile = (sorted: number[], p: number) =>
	sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;

type LatencyResult = {
	label: string;
	sockets: number;
	changes: Changes;
	fromSent: number[];
	fromAnswer: number[];
	targetMs: number;
	cpu: CpuUse;
};

/**
 * Changes through `through` for BENCH_SECONDS while the dashboards listen, then waits until every
 * delivery arrived or BENCH_GRACE_SECONDS passed after the last answer.
 */
async function latencyRun(
	label: string,
	practitioners: Practitioner[],
	dashboards: Dashboard[],
	through: Instance,
	targetMs: number,
	meter: (() => number | null)[]
): Promise<LatencyResult> {
	const listen = (changes: Changes) => {
		for (const dashboard of dashboards) dashboard.onChange = (c) => changes.heard(dashboard, c);
	};
	const settle = (changes: Changes) =>
		waitUntil(() => changes.missing === 0, now() + settings.graceSeconds * 1000);

	const warmup = new Changes(practitioners, `${label} warm-up`);
	listen(warmup);
	await paced(
		(k) => k < WARMUP_CHANGES,
		(k) => warmup.make(k, through, dashboards)
	);
	await settle(warmup);

	process.stdout.write(`  ${label}: ${settings.seconds} s of changes … `);
	const changes = new Changes(practitioners, label);
	listen(changes);
	const count = Math.round((settings.seconds * 1000) / settings.intervalMs);
	const stop = cpuMeter(meter);
	await paced(
		(k) => k < count,
		(k) => changes.make(k, through, dashboards)
	);
	const cpu = stop();
	await settle(changes);
	process.stdout.write('done\n');
	for (const dashboard of dashboards) dashboard.onChange = undefined;

	const fromSent: number[] = [];
	const fromAnswer: number[] = [];
	for (const change of changes.all) {
		for (const at of change.heard.values()) {
			fromSent.push(at - change.sentAt);
			if (change.answeredAt !== undefined) fromAnswer.push(at - change.answeredAt);
		}
	}
	fromSent.sort((a, b) => a - b);
	fromAnswer.sort((a, b) => a - b);
	return { label, sockets: dashboards.length, changes, fromSent, fromAnswer, targetMs, cpu };
}

/** The dashboard's data (its page node) as the page loads it: `invalidateAll` asks for the layout too. */
async function loadDashboard(
	instance: Instance,
	cookie: string,
	withLayout: boolean
): Promise<string> {
	const answer = await send(
		target(instance, cookie),
		`/dashboard/__data.json?x-sveltekit-invalidated=${withLayout ? '011' : '001'}`,
		// A browser waits for as long as it takes; the restart run's deadline bounds the wait.
		{ timeoutMs: settings.restartDeadlineSeconds * 1000 }
	);
	if (answer.status !== 200) throw new Error(`${answer.status}: ${answer.body.slice(0, 200)}`);
	const { nodes } = JSON.parse(answer.body.split('\n')[0]!) as { nodes: { data?: unknown }[] };
	const page = nodes.at(-1);
	if (!page?.data) throw new Error(`The dashboard's data is missing: ${answer.body.slice(0, 200)}`);
	return JSON.stringify(page.data);
}

type RestartResult = {
	sockets: number;
	exitCode: number | null;
	exitedS: number;
	readyS: number;
	/** Seconds from the SIGTERM until half of the dashboards, and all, had reconnected and reloaded. */
	reconnected: { half: number | null; all: number | null };
	reloaded: { half: number | null; all: number | null };
	back: number;
	loadErrors: string[];
	changes: Changes;
	/** Dashboards back that neither show nor heard of a client's last change. */
	behind: number;
	cpu: CpuUse;
};

/** What the restart run follows of each dashboard. */
type Resync = {
	/** The last load asked for: only its answer is shown. */
	latestLoad: number;
	reconnectedAt?: number;
	/** When the answer of the load asked for at the reconnect was shown. */
	resyncedAt?: number;
};

/** Seconds after `from` until half of `times`, and all, had passed; null while some are missing. */
function halfAndAll(times: (number | undefined)[], from: number) {
	const known = times.filter((t) => t !== undefined).sort((a, b) => a - b);
	const at = (count: number) => (known.length >= count ? (known[count - 1]! - from) / 1000 : null);
	return { half: at(Math.ceil(times.length / 2)), all: at(times.length) };
}

/**
 * Every dashboard on `restarting`, which is stopped and started again on its port while changes
 * go on through `other`. On every reconnect a dashboard loads all its data again, as the page
 * does (`invalidateAll`); as in SvelteKit's client, only the last load asked for is shown.
 *
 * A dashboard is up to date when, for each of its practitioner's clients, it shows the client's
 * last change or heard of it after reconnecting. The page also loads its data again for every
 * change it hears of; the dashboards here do not, because 10 changes a second to 10 dashboards
 * each would be 100 dashboard loads a second on the restarted instance, which on this 2-core
 * machine drowned the reconnects it is here to measure (see bench/README.md).
 */
async function restartRun(
	practitioners: Practitioner[],
	restarting: Instance,
	other: Instance
): Promise<{ result: RestartResult; restarted: Instance }> {
	const dashboards = await openDashboards(practitioners, () => restarting);
	const changes = new Changes(practitioners, 'restart');
	const follow = new Map<Dashboard, Resync>();
	const loadErrors: string[] = [];
	let restartedAt = Infinity;
	for (const dashboard of dashboards) {
		const own: Resync = { latestLoad: 0 };
		follow.set(dashboard, own);
		dashboard.onChange = (change) => changes.heard(dashboard, change);
		dashboard.onReconnect = () => {
			const askedAt = now();
			if (askedAt > restartedAt) own.reconnectedAt ??= askedAt;
			const load = ++own.latestLoad;
			loadDashboard(dashboard.instance, dashboard.cookie, true).then(
				(view) => {
					if (load !== own.latestLoad) return;
					dashboard.view = view;
					if (own.reconnectedAt !== undefined && askedAt >= own.reconnectedAt) {
						own.resyncedAt ??= now();
					}
				},
				(error: unknown) => loadErrors.push(error instanceof Error ? error.message : String(error))
			);
		};
	}
	const allResynced = () => [...follow.values()].every((own) => own.resyncedAt !== undefined);

	process.stdout.write(`  restart with ${dashboards.length} dashboards … `);
	let doneAt = Infinity;
	// The restarting instance's CPU: its first process's until the SIGTERM, then its second's.
	let running = restarting;
	let usedBeforeRestart = 0;
	const restartingCpu = () => {
		const used = processCpuMs(running.child.pid);
		return used === null ? null : usedBeforeRestart + used;
	};
	const stop = cpuMeter([restartingCpu, cpuOf(other)]);
	const changing = paced(
		() => now() < doneAt,
		(k) => changes.make(k, other, dashboards)
	);
	await sleep(RESTART_LEAD_MS);
	usedBeforeRestart = processCpuMs(restarting.child.pid) ?? 0;
	restartedAt = now();
	const exitCode = await restarting.stop('SIGTERM');
	const exitedAt = now();
	const restarted = await startInstance({
		databaseUrl: url,
		port: restarting.port,
		env: INSTANCE_ENV
	});
	const readyAt = now();
	running = restarted;
	for (const dashboard of dashboards) dashboard.instance = restarted;
	await waitUntil(allResynced, restartedAt + settings.restartDeadlineSeconds * 1000);
	doneAt = now() + RESTART_TAIL_MS;
	await changing;
	const cpu = stop();
	process.stdout.write('done\n');

	const last = changes.last.filter((change) => !change.error);
	// The bench's own bookkeeping, checked against the database: the last names are what it holds.
	const truth = await Promise.all(practitioners.map((p) => loadDashboard(other, p.cookie, false)));
	const shows = (view: string | undefined, change: Change) =>
		view?.includes(JSON.stringify(change.name)) ?? false;
	const unknown = last.filter((change) => !shows(truth[change.owner], change));
	if (unknown.length > 0) {
		throw new Error(`The database does not hold ${unknown.length} of the last changes' names.`);
	}
	// A dashboard that is not back shows what it showed before the restart: counted as not back.
	const upToDate = (dashboard: Dashboard) => {
		const { reconnectedAt, resyncedAt } = follow.get(dashboard)!;
		return (
			resyncedAt === undefined ||
			last.every(
				(change) =>
					change.owner !== dashboard.owner ||
					shows(dashboard.view, change) ||
					(reconnectedAt !== undefined && (change.heard.get(dashboard) ?? -1) >= reconnectedAt)
			)
		);
	};
	// Events still on their way may arrive within the grace period.
	await waitUntil(() => dashboards.every(upToDate), now() + settings.graceSeconds * 1000);
	const behind = dashboards.filter((d) => !upToDate(d)).length;
	closeDashboards(dashboards);
	const followed = [...follow.values()];
	return {
		restarted,
		result: {
			sockets: dashboards.length,
			exitCode,
			exitedS: (exitedAt - restartedAt) / 1000,
			readyS: (readyAt - restartedAt) / 1000,
			reconnected: halfAndAll(
				followed.map((own) => own.reconnectedAt),
				restartedAt
			),
			reloaded: halfAndAll(
				followed.map((own) => own.resyncedAt),
				restartedAt
			),
			back: followed.filter((own) => own.resyncedAt !== undefined).length,
			loadErrors,
			changes,
			behind,
			cpu
		}
	};
}

const mark = (met: boolean) => (met ? '✓' : '✗');
const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(0) : 'n/a');
const pct = (value: number | null | undefined) => (value == null ? 'n/a' : value.toFixed(0));

function printLatencies(results: LatencyResult[]): void {
	printTable(
		[
			'run',
			'sockets',
			'changes',
			'deliveries',
			'p50 ms',
			'p95 ms',
			'p99 ms',
			'max ms',
			'lost',
			'errors',
			'after answer p50 ms',
			'after answer p99 ms'
		],
		results.map((r) => {
			const p99 = percentile(r.fromSent, 99);
			const lost = r.changes.missing;
			const errors = r.changes.all.filter((c) => c.error).length;
			return [
				r.label,
				String(r.sockets),
				String(r.changes.all.length),
				String(r.fromSent.length),
				ms(percentile(r.fromSent, 50)),
				ms(percentile(r.fromSent, 95)),
				`${ms(p99)} ${mark(p99 < r.targetMs)} (< ${r.targetMs})`,
				ms(r.fromSent.at(-1) ?? NaN),
				`${lost} ${mark(lost === 0)}`,
				`${errors} ${mark(errors === 0)}`,
				ms(percentile(r.fromAnswer, 50)),
				ms(percentile(r.fromAnswer, 99))
			];
		})
	);
}

async function main() {
	if (settings.sockets % settings.practitioners !== 0) {
		throw new Error('BENCH_SOCKETS must be a multiple of BENCH_PRACTITIONERS.');
	}
	// An event names its change by the client's id: a client renamed again within the grace period
	// could not be told apart from its earlier change.
	const repeatMs = settings.practitioners * CLIENTS_EACH * settings.intervalMs;
	if (repeatMs <= settings.graceSeconds * 1000) {
		throw new Error(
			`Each client would be renamed every ${repeatMs} ms, within BENCH_GRACE_SECONDS: more practitioners or a longer BENCH_INTERVAL_MS.`
		);
	}
	const built = await buildIfStale();
	if (built !== 0) throw new Error(`The app did not build (exit ${built}).`);
	const { serverUrl, name } = serverUrlAndName(url);
	await ensureDatabase(serverUrl, name);
	await migrateDatabase(url);
	const practitioners = await seed();

	const first = await startInstance({ databaseUrl: url, env: INSTANCE_ENV });
	console.log(
		`\nSessionboard live-event bench; PostgreSQL at ${new URL(url).host}; Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim()}.` +
			`\n${settings.sockets} dashboards of ${settings.practitioners} practitioners (${settings.sockets / settings.practitioners} each), over WebSocket (as the pages); a change every ${settings.intervalMs} ms.` +
			`\nThe instances, PostgreSQL and this process (all the dashboards) share the machine. Load average before: ${loadavg()[0]?.toFixed(1)}\n`
	);

	let dashboards = await openDashboards(practitioners, () => first);
	const one = await latencyRun(
		'one instance',
		practitioners,
		dashboards,
		first,
		TARGETS.oneInstanceP99Ms,
		[cpuOf(first)]
	);
	closeDashboards(dashboards);

	const second = await startInstance({ databaseUrl: url, env: INSTANCE_ENV });
	const pair = [first, second];
	dashboards = await openDashboards(practitioners, (i) => pair[i % 2]!);
	const two = await latencyRun(
		'two instances',
		practitioners,
		dashboards,
		first,
		TARGETS.twoInstancesP99Ms,
		pair.map(cpuOf)
	);
	closeDashboards(dashboards);

	const { result: r, restarted } = await restartRun(practitioners, first, second);

	console.log(
		'\nFrom sending the change (a POST to /api/trpc/clients.update) to the event at each socket; "after answer" from its answer instead (negative: the event came first):\n'
	);
	printLatencies([one, two]);
	const runs = [one.changes, two.changes, r.changes];
	if (runs.some((c) => c.strays + c.duplicates > 0)) {
		console.log(
			`\nEvents naming no change of that dashboard's practitioner, in the three runs: ${runs.map((c) => c.strays).join(', ')}; heard twice: ${runs.map((c) => c.duplicates).join(', ')}.`
		);
	}
	for (const change of [...one.changes.all, ...two.changes.all, ...r.changes.all]
		.filter((c) => c.error)
		.slice(0, 3)) {
		console.log(`  error: ${change.error}`);
	}

	console.log(
		`\nRestart: SIGTERM to the instance with all ${r.sockets} dashboards while a change goes through the other every ${settings.intervalMs} ms; seconds from the SIGTERM:\n`
	);
	const seconds = (value: number | null) => (value === null ? 'n/a' : value.toFixed(1));
	const all = (value: number | null) =>
		value === null ? `not all within ${settings.restartDeadlineSeconds} ✗` : value.toFixed(1);
	printTable(
		[
			'dashboards',
			'old one exited',
			'new one ready',
			'half reconnected',
			'all reconnected',
			'half reloaded',
			'all reloaded',
			'back',
			'changes',
			'missed updates'
		],
		[
			[
				String(r.sockets),
				`${r.exitedS.toFixed(1)} (exit ${r.exitCode})`,
				r.readyS.toFixed(1),
				seconds(r.reconnected.half),
				all(r.reconnected.all),
				seconds(r.reloaded.half),
				all(r.reloaded.all),
				`${r.back} ${mark(r.back === r.sockets)}`,
				String(r.changes.all.length),
				`${r.behind} ${mark(r.behind === 0)}`
			]
		]
	);
	for (const error of [...new Set(r.loadErrors)].slice(0, 3)) console.log(`  load error: ${error}`);

	console.log(
		'\nCPU during each run, % of one core, and how late this process ran its timers (event-loop delay):\n'
	);
	const cpuRows: [string, CpuUse][] = [
		['one instance', one.cpu],
		['two instances', two.cpu],
		['restart', r.cpu]
	];
	printTable(
		[
			'run',
			'first instance',
			'second instance',
			'PostgreSQL',
			'this process (dashboards)',
			'its delay p99 ms',
			'its delay max ms'
		],
		cpuRows.map(([label, use]) => [
			label,
			pct(use.servers[0]),
			use.servers.length > 1 ? pct(use.servers[1]) : '',
			pct(use.postgres),
			pct(use.bench),
			use.lagP99Ms.toFixed(0),
			use.lagMaxMs.toFixed(0)
		])
	);
	console.log(`\nLoad average after: ${loadavg()[0]?.toFixed(1)}`);
	console.log(
		`Targets: p99 < ${TARGETS.oneInstanceP99Ms} ms on one instance, < ${TARGETS.twoInstancesP99Ms} ms on two, 0 lost; after a restart every dashboard back and 0 missed updates (✓ met, ✗ missed).`
	);
	await restarted.stop();
}

let cleaned = false;
async function cleanUp() {
	if (cleaned) return;
	cleaned = true;
	await stopInstances();
	for (const agent of agents.values()) agent.destroy();
	await db.$client.end({ timeout: 1 });
}

await runBench(main, cleanUp);
