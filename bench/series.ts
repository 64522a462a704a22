/**
 * `npm run bench:series`: the public signup under a crowd, and a minute with many reminders.
 *
 * 1. Signups: BENCH_SIGNUPS visitors (default 2,000) post the public form of a series with
 *    BENCH_SPOTS places (default 100) all at once over HTTP, each from its own address; then all of
 *    them, at once, confirm with the link from the email the local SMTP server received. Counts
 *    who got a place, who is waitlisted, who was lost and how many requests failed.
 * 2. Reminders: BENCH_REMINDERS active subscribers (default 10,000) of one date whose reminder
 *    comes due at the top of the next minute. Measures the time from that moment until the last
 *    reminder reached the SMTP server, and counts duplicates.
 *
 * Runs the built app (`npm run build`) against DATABASE_URL beside BENCH_EXTRA_WORKERS `npm run
 * worker` processes (default 2), as a scaled-out deployment would: the app serves the web only
 * (WORKER_IN_APP=false) unless BENCH_WORKER_IN_APP=1, the single-process shape.
 * Everything goes to 127.0.0.1; every loop has a fixed count or a deadline; what it starts, it stops.
 */
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eq, like, sql } from 'drizzle-orm';
import { createDatabase } from '../src/lib/server/db';
import { ensureDatabase, migrateDatabase } from '../src/lib/server/db/migrate';
import {
	emailDeliveries,
	rateLimits,
	series,
	seriesOccurrences,
	subscribers,
	users
} from '../src/lib/server/db/schema';
import { JOB_SCHEMA, QUEUES } from '../src/lib/server/jobs/queues';
import { installJobs } from '../src/lib/server/jobs/worker';
import { createSeries, setSeriesStatus } from '../src/lib/server/series/service';
import { startFakeSmtp, type FakeSmtp } from '../tests/fakes/smtp';
import { benchDatabaseUrl, serverUrlAndName } from './bench-config';
import {
	assertPortFree,
	intSetting,
	LOCALHOST,
	postgresCpu,
	postgresCpuBetween,
	printTable,
	processCpuMs,
	runBench,
	sendOnce,
	startProcess,
	stopAllProcesses,
	waitForOutput,
	waitUntilUp,
	type Answer
} from './support';

const settings = {
	signups: intSetting('BENCH_SIGNUPS', 2000, 10, 20_000),
	spots: intSetting('BENCH_SPOTS', 100, 1, 10_000),
	reminders: intSetting('BENCH_REMINDERS', 10_000, 10, 100_000),
	extraWorkers: intSetting('BENCH_EXTRA_WORKERS', 2, 0, 4),
	workerInApp: intSetting('BENCH_WORKER_IN_APP', 0, 0, 1) === 1,
	appPort: intSetting('BENCH_APP_PORT', 4320, 1024, 65535)
};
const TARGETS = { signupsPerSecond: 500, remindersWithinSeconds: 60 };
/** How long to wait for emails before counting the missing ones as lost. */
const MAIL_DEADLINE_MS = 180_000;
/** Addresses of this bench's people: every run deletes what an earlier run left. */
const DOMAIN = 'series-bench.example.com';
const PRACTITIONER = { name: 'Sam Series Bench', email: `practitioner@${DOMAIN}` };

const origin = `http://${LOCALHOST}:${settings.appPort}`;
const url = benchDatabaseUrl();
const db = createDatabase(url, { max: 4 });
/** Module-wide so that clean-up stops it even when the run fails half-way. */
let mailServer: FakeSmtp | undefined;

const jobs = sql`${sql.identifier(JOB_SCHEMA)}.job`;

/**
 * Removes the bench practitioner (their series, dates and subscribers cascade) and their emails,
 * then vacuums the tables every run churns. Without autovacuum (some servers, such as this
 * project's CI machines, run without it) their dead rows would pile up run after run and make
 * each run slower than the one before.
 */
async function reset(): Promise<string> {
	await db.delete(users).where(eq(users.email, PRACTITIONER.email));
	await db.delete(emailDeliveries).where(like(emailDeliveries.recipient, `%@${DOMAIN}`));
	// A send job's id is its delivery's: the jobs of deliveries gone are an earlier run's too.
	await db.execute(sql`delete from ${jobs} where name = ${QUEUES.emailSend} and state = 'completed'
		and not exists (select from ${emailDeliveries} where ${emailDeliveries.id} = ${jobs}.id)`);
	await db.execute(
		sql`vacuum (analyze) ${emailDeliveries}, ${subscribers}, ${rateLimits}, ${jobs}`
	);
	const [owner] = await db
		.insert(users)
		.values({ ...PRACTITIONER, ageConfirmedAt: new Date(), emailVerifiedAt: new Date() })
		.returning({ id: users.id });
	return owner!.id;
}

const isoDate = (date: Date) => date.toISOString().slice(0, 10);

/** The processes this script starts, to read their CPU time. */
const pids = { app: undefined as number | undefined, workers: [] as (number | undefined)[] };
type CpuReading = {
	app: number | null;
	workers: number | null;
	/** This process: the visitors and the SMTP server. */
	visitors: number;
	postgres: Map<string, number>;
};

function readCpu(): CpuReading {
	const own = process.cpuUsage();
	const workers = pids.workers.map(processCpuMs);
	return {
		app: processCpuMs(pids.app),
		workers: workers.includes(null) ? null : workers.reduce<number>((a, b) => a + b!, 0),
		visitors: (own.user + own.system) / 1000,
		postgres: postgresCpu()
	};
}

type CpuPerRequest = {
	app: number | null;
	workers: number | null;
	visitors: number;
	postgres: number;
};

/** CPU ms per request of each part of the machine during one step. */
function cpuPerRequest(before: CpuReading, after: CpuReading, requests: number): CpuPerRequest {
	const per = (a: number | null, b: number | null) =>
		a === null || b === null ? null : (b - a) / requests;
	return {
		app: per(before.app, after.app),
		workers: per(before.workers, after.workers),
		visitors: (after.visitors - before.visitors) / requests,
		postgres: postgresCpuBetween(before.postgres, after.postgres) / requests
	};
}

/** A published weekly series whose first date is a month away, so no reminder falls in the run. */
async function signupSeries(ownerId: string) {
	const created = await createSeries(db, ownerId, {
		title: 'Bench signup crowd',
		slug: '',
		description: 'A series for the signup benchmark.',
		timeZone: 'Europe/Berlin',
		mon: true,
		tue: false,
		wed: false,
		thu: false,
		fri: false,
		sat: false,
		sun: false,
		startTime: '18:00',
		startDate: isoDate(new Date(Date.now() + 30 * 86_400_000)),
		endKind: 'count',
		endDate: '',
		occurrenceCount: 8,
		durationMinutes: 60,
		capacity: settings.spots,
		locationKind: 'in_person',
		locationDetail: 'Studio 1',
		remind24h: true,
		remind1h: true,
		pricing: 'free',
		price: '',
		currency: 'EUR',
		billingInterval: 'month'
	});
	await setSeriesStatus(db, ownerId, created.id, 'published');
	return created;
}

type Outcome = { ok: boolean; status: number; detail: string };

/**
 * A form post as a browser with JavaScript sends it: SvelteKit then answers with JSON. Each
 * visitor comes on a connection of their own.
 */
async function postForm(
	path: string,
	fields: Record<string, string>,
	ip: string
): Promise<Outcome> {
	let answer: Answer;
	try {
		answer = await sendOnce(settings.appPort, path, {
			method: 'POST',
			headers: {
				origin,
				accept: 'application/json',
				'content-type': 'application/x-www-form-urlencoded',
				'x-sveltekit-action': 'true',
				'x-forwarded-for': ip
			},
			body: new URLSearchParams(fields).toString(),
			// A crowd of 2,000 queues; a browser waits, and so do these visitors.
			timeoutMs: 120_000
		});
	} catch (error) {
		return { ok: false, status: 0, detail: error instanceof Error ? error.message : String(error) };
	}
	let type = '';
	try {
		type = String((JSON.parse(answer.body) as { type?: unknown }).type);
	} catch {
		type = 'not JSON';
	}
	return {
		ok: answer.status === 200 && type === 'success',
		status: answer.status,
		detail: `${answer.status} ${type}: ${answer.body.slice(0, 200)}`
	};
}

/** Visitor i's own address, so the per-address signup limit sees 2,000 different people. */
const visitorIp = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
const visitorEmail = (i: number) => `visitor-${i}@${DOMAIN}`;

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; seconds: number }> {
	const startedAt = performance.now();
	const value = await run();
	return { value, seconds: (performance.now() - startedAt) / 1000 };
}

/** A step of `requests` requests: its result, its seconds and the CPU it cost per request. */
async function timedStep<T>(requests: number, run: () => Promise<T>) {
	const before = readCpu();
	const { value, seconds } = await timed(run);
	return { value, seconds, cpu: cpuPerRequest(before, readCpu(), Math.max(1, requests)) };
}

async function waitUntil(check: () => boolean, deadline: number): Promise<boolean> {
	while (!check()) {
		if (Date.now() > deadline) return false;
		await new Promise((wake) => setTimeout(wake, 50));
	}
	return true;
}

function summarise(outcomes: Outcome[]): { ok: number; errors: number; examples: string[] } {
	const failed = outcomes.filter((o) => !o.ok);
	return {
		ok: outcomes.length - failed.length,
		errors: failed.length,
		examples: [...new Set(failed.map((o) => o.detail))].slice(0, 3)
	};
}

async function benchSignups(ownerId: string, smtp: FakeSmtp) {
	const { id, slug } = await signupSeries(ownerId);
	const n = settings.signups;
	// The emails a step sends are parsed after it: the mail server is not part of the app.
	smtp.putOffParsing();
	const signup = await timedStep(n, () =>
		Promise.all(
			Array.from({ length: n }, (_, i) =>
				postForm(
					`/s/${slug}`,
					{ name: `Visitor ${i}`, email: visitorEmail(i), phone: '', consent: 'on', website: '' },
					visitorIp(i)
				)
			)
		)
	);
	const signedUp = summarise(signup.value);

	// The confirmation links, as each visitor finds them in their inbox.
	const linkPattern = new RegExp(`${origin}/s/${slug}/confirm/(\\S+)`);
	const links = new Map<string, string>();
	const collect = () => {
		for (const message of smtp.messages) {
			const to = message.to[0] ?? '';
			if (links.has(to)) continue;
			const token = linkPattern.exec(message.text)?.[1];
			if (token) links.set(to, `/s/${slug}/confirm/${token}`);
		}
		return links.size >= signedUp.ok;
	};
	const mailed = await timed(async () => {
		await smtp.parseNow();
		return waitUntil(collect, Date.now() + MAIL_DEADLINE_MS);
	});

	const visitors = Array.from({ length: n }, (_, i) => i).filter((i) => links.has(visitorEmail(i)));
	smtp.putOffParsing();
	const confirm = await timedStep(visitors.length, () =>
		Promise.all(visitors.map((i) => postForm(links.get(visitorEmail(i))!, {}, visitorIp(i))))
	);
	await smtp.parseNow();
	const confirmed = summarise(confirm.value);

	const counts = await db
		.select({ status: subscribers.status, n: sql<number>`count(*)::int` })
		.from(subscribers)
		.where(eq(subscribers.seriesId, id))
		.groupBy(subscribers.status);
	const count = (status: string) => counts.find((c) => c.status === status)?.n ?? 0;
	const active = count('active');
	const waitlisted = count('waitlisted');
	return {
		signup: { ...signedUp, seconds: signup.seconds, cpu: signup.cpu },
		mailSeconds: mailed.seconds,
		confirm: { ...confirmed, seconds: confirm.seconds, cpu: confirm.cpu },
		active,
		waitlisted,
		/** Told "you are in" by a 200, yet holding neither a place nor a waitlist spot. */
		lost: Math.max(0, confirmed.ok - active - waitlisted),
		overCapacity: Math.max(0, active - settings.spots)
	};
}

/**
 * One date of a series with `count` active subscribers, whose one-hour reminder comes due at
 * `dueAt`. Rows are made in SQL: setting up is not what is measured.
 */
async function reminderSeries(ownerId: string, count: number, dueAt: Date) {
	const startsAt = new Date(dueAt.getTime() + 60 * 60_000);
	const [row] = await db
		.insert(series)
		.values({
			ownerId,
			slug: `bench-reminders-${Date.now()}`,
			title: 'Bench reminder minute',
			timeZone: 'Europe/Berlin',
			weekdays: [startsAt.getUTCDay() === 0 ? 7 : startsAt.getUTCDay()],
			localStartTime: '18:00',
			startDate: isoDate(startsAt),
			durationMinutes: 60,
			capacity: count,
			locationKind: 'online',
			locationDetail: 'https://meet.example.com/bench',
			reminderOffsets: [60],
			status: 'published'
		})
		.returning({ id: series.id });
	await db.insert(seriesOccurrences).values({
		seriesId: row!.id,
		ownerId,
		originalStartsAt: startsAt,
		startsAt,
		endsAt: new Date(startsAt.getTime() + 60 * 60_000)
	});
	await db.execute(sql`
		insert into ${subscribers} (series_id, owner_id, name, email, status, arrival, consented_at, confirmed_at)
		select ${row!.id}, ${ownerId}, 'Reader ' || i, 'reader-' || i || '@' || ${DOMAIN}, 'active', i, now(), now()
		from generate_series(1, ${count}::int) as i`);
}

async function benchReminders(ownerId: string, smtp: FakeSmtp) {
	const before = smtp.messages.length;
	// The top of the next minute, when the minute's cron fires, at least 15 s away for the setup.
	const dueAt = new Date(Math.ceil((Date.now() + 15_000) / 60_000) * 60_000);
	await reminderSeries(ownerId, settings.reminders, dueAt);
	process.stdout.write(`  reminders come due at ${dueAt.toISOString()} … `);
	const reminders = () =>
		smtp.messages.slice(before).filter((m) => m.subject.startsWith('Reminder:'));
	let firstAt: number | null = null;
	const all = await waitUntil(() => {
		const arrived = reminders().length;
		if (arrived > 0) firstAt ??= Date.now();
		return arrived >= settings.reminders;
	}, dueAt.getTime() + MAIL_DEADLINE_MS);
	const doneAt = Date.now();
	// Anything sent twice would arrive just after the last one: give it a moment to show.
	await new Promise((wake) => setTimeout(wake, 3000));
	const received = reminders();
	const distinct = new Set(received.map((m) => m.messageId)).size;
	process.stdout.write('done\n');
	return {
		seconds: all ? (doneAt - dueAt.getTime()) / 1000 : null,
		firstSeconds: firstAt === null ? null : (firstAt - dueAt.getTime()) / 1000,
		received: received.length,
		duplicates: received.length - distinct,
		lost: settings.reminders - distinct
	};
}

const mark = (met: boolean) => (met ? '✓' : '✗');

function cpuRow(step: string, cpu: CpuPerRequest): string[] {
	const parts = [cpu.app, cpu.workers, cpu.visitors, cpu.postgres];
	const all = parts.includes(null) ? null : parts.reduce<number>((a, b) => a + b!, 0);
	return [step, ...[...parts, all].map((ms) => (ms === null ? 'n/a' : ms.toFixed(2)))];
}

async function main() {
	if (!settings.workerInApp && settings.extraWorkers === 0) {
		throw new Error(
			'Nothing would send the emails: set BENCH_EXTRA_WORKERS ≥ 1 or BENCH_WORKER_IN_APP=1.'
		);
	}
	const { serverUrl, name } = serverUrlAndName(url);
	await ensureDatabase(serverUrl, name);
	await migrateDatabase(url);
	// On a new database the job tables do not exist yet, and reset() vacuums one of them.
	await installJobs(url);
	const entry = resolve('build/server.js');
	if (!existsSync(entry)) throw new Error(`No ${entry}: run npm run build first.`);
	await assertPortFree(settings.appPort);

	const smtp = await startFakeSmtp();
	mailServer = smtp;
	const ownerId = await reset();
	const env = {
		...process.env,
		DATABASE_URL: url,
		SMTP_URL: smtp.url,
		ORIGIN: origin,
		// The visitors' addresses come in X-Forwarded-For, as behind a reverse proxy.
		ADDRESS_HEADER: 'x-forwarded-for',
		XFF_DEPTH: '1'
	};
	const server = startProcess('the app', [entry], {
		...env,
		PORT: String(settings.appPort),
		WORKER_IN_APP: String(settings.workerInApp)
	});
	pids.app = server.child.pid;
	await waitUntilUp(settings.appPort, '/healthz', server);
	const workerEntry = fileURLToPath(new URL('../src/cli/worker.ts', import.meta.url));
	const workers = Array.from({ length: settings.extraWorkers }, (_, w) =>
		startProcess(`worker ${w + 1}`, ['--import', 'tsx', workerEntry], env)
	);
	pids.workers = workers.map((worker) => worker.child.pid);
	// Measured from when they work: starting up (compiling TypeScript) is not sending email.
	await Promise.all(workers.map((worker) => waitForOutput(worker, '[jobs] worker started')));

	console.log(
		`\nSessionboard series bench; PostgreSQL at ${new URL(url).host}; Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim()}.` +
			`\nThe app (${settings.workerInApp ? 'with its job worker' : 'web only'}), ${settings.extraWorkers} \`npm run worker\` process(es) at below-normal priority, the SMTP server and the visitors share the machine.` +
			`\nLoad average before: ${loadavg()[0]?.toFixed(1)}\n`
	);

	process.stdout.write(`  ${settings.signups} signups for ${settings.spots} places … `);
	const s = await benchSignups(ownerId, smtp);
	process.stdout.write('done\n');
	const r = await benchReminders(ownerId, smtp);

	const rate = (count: number, seconds: number) => count / seconds;
	const signupRate = rate(s.signup.ok, s.signup.seconds);
	const confirmRate = rate(s.confirm.ok, s.confirm.seconds);
	console.log('');
	printTable(
		['step', 'requests', 'ok', 'errors', 'seconds', 'per second'],
		[
			[
				'sign up (form post)',
				String(settings.signups),
				String(s.signup.ok),
				String(s.signup.errors),
				s.signup.seconds.toFixed(2),
				`${signupRate.toFixed(0)} ${mark(signupRate >= TARGETS.signupsPerSecond)}`
			],
			[
				'confirm (link in email)',
				String(s.confirm.ok + s.confirm.errors),
				String(s.confirm.ok),
				String(s.confirm.errors),
				s.confirm.seconds.toFixed(2),
				`${confirmRate.toFixed(0)} ${mark(confirmRate >= TARGETS.signupsPerSecond)}`
			]
		]
	);
	console.log(
		`\nConfirmation emails all at the SMTP server ${s.mailSeconds.toFixed(1)} s after the last signup answered.`
	);
	const budget = (cpus().length * 1000) / TARGETS.signupsPerSecond;
	console.log(
		`\nCPU ms per request during each step, by process. ${TARGETS.signupsPerSecond}/s on ${cpus().length} cores leaves ${budget.toFixed(1)} ms for all of them together:`
	);
	printTable(
		['step', 'app', 'extra workers', 'visitors + SMTP server', 'PostgreSQL (this machine)', 'all'],
		[cpuRow('sign up', s.signup.cpu), cpuRow('confirm', s.confirm.cpu)]
	);
	console.log('');
	printTable(
		['signups', 'accepted', 'waitlisted', 'lost', 'over capacity', 'errors'],
		[
			[
				String(settings.signups),
				String(s.active),
				String(s.waitlisted),
				`${s.lost} ${mark(s.lost === 0)}`,
				`${s.overCapacity} ${mark(s.overCapacity === 0)}`,
				`${s.signup.errors + s.confirm.errors} ${mark(s.signup.errors + s.confirm.errors === 0)}`
			]
		]
	);
	for (const example of [...s.signup.examples, ...s.confirm.examples]) {
		console.log(`  error: ${example}`);
	}
	console.log('');
	printTable(
		['reminders due', 'received', 'duplicates', 'lost', 'due → first, s', 'due → last, s'],
		[
			[
				String(settings.reminders),
				String(r.received),
				`${r.duplicates} ${mark(r.duplicates === 0)}`,
				`${r.lost} ${mark(r.lost === 0)}`,
				r.firstSeconds === null ? 'none' : r.firstSeconds.toFixed(1),
				r.seconds === null
					? `not all within ${MAIL_DEADLINE_MS / 1000} ✗`
					: `${r.seconds.toFixed(1)} ${mark(r.seconds <= TARGETS.remindersWithinSeconds)}`
			]
		]
	);
	console.log(`\nLoad average after: ${loadavg()[0]?.toFixed(1)}`);
	console.log(
		`Targets: 0 lost, 0 over capacity, 0 duplicates, ≥ ${TARGETS.signupsPerSecond} signups/s (each step), reminders within ${TARGETS.remindersWithinSeconds} s (✓ met, ✗ missed).`
	);
}

let cleaned = false;
async function cleanUp() {
	if (cleaned) return;
	cleaned = true;
	await stopAllProcesses();
	await mailServer?.stop();
	await db.$client.end({ timeout: 1 });
}

await runBench(main, cleanUp);
