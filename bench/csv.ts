/**
 * `npm run bench:csv`: the import of 50,000 clients and the export of the bench practitioner's
 * 100,000 sessions (from `npm run bench:seed`), through the code the app runs for them: the
 * procedure's input schema and service for the import, the export procedure's cursor written by
 * csvDownload and read to the end as a browser would. Prints time and memory as a table.
 */
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { eq, sql } from 'drizzle-orm';
import { csvDownload } from '../src/lib/server/csv';
import { createDatabase } from '../src/lib/server/db';
import { ensureDatabase, migrateDatabase } from '../src/lib/server/db/migrate';
import { users } from '../src/lib/server/db/schema';
import { exportSessions } from '../src/lib/server/exports/service';
import { importClientsSchema } from '../src/lib/server/imports/schemas';
import { importClients, previewImport } from '../src/lib/server/imports/service';
import {
	BENCH_PRACTITIONER,
	BENCH_SESSIONS,
	benchDatabaseUrl,
	serverUrlAndName
} from './bench-config';
import { intSetting, postgresCpu, postgresCpuBetween, printTable, runBench } from './support';

const IMPORT_ROWS = intSetting('BENCH_IMPORT_ROWS', 50_000, 100, 100_000);
const IMPORTER = 'csv-bench@sessionboard.localhost';
const IMPORT_TARGET_S = 5;
const EXPORT_GROWTH_TARGET_MB = 50;

const { serverUrl, name } = serverUrlAndName(benchDatabaseUrl());
const url = await ensureDatabase(serverUrl, name);
await migrateDatabase(url);
const db = createDatabase(url);

const mb = (bytes: number) => bytes / 1024 / 1024;
const mark = (met: boolean) => (met ? ' ✓' : ' ✗');
/** The process's highest resident set so far, in bytes (getrusage's ru_maxrss is in KiB). */
const peakRss = () => process.resourceUsage().maxRSS * 1024;

/** A client list as a spreadsheet would save it: quoted commas, accents, a few tags and notes. */
function clientsFile(rows: number): string {
	const lines = ['Name,Email,Phone,Tags,Notes'];
	for (let i = 0; i < rows; i++) {
		lines.push(
			`"Müller, Client ${i}",client${i}@example.com,+49 30 ${String(1_000_000 + i)},` +
				`${i % 3 === 0 ? '"couples, online"' : 'individual'},${i % 10 === 0 ? '"Prefers mornings.\nNo calls."' : ''}`
		);
	}
	return lines.join('\r\n') + '\r\n';
}

/** Samples the resident set while `run` works, for the highest value reached during it. */
async function sampled<T>(run: () => Promise<T>): Promise<{ value: T; highest: number }> {
	let highest = process.memoryUsage.rss();
	const timer = setInterval(() => (highest = Math.max(highest, process.memoryUsage.rss())), 20);
	try {
		const value = await run();
		return { value, highest: Math.max(highest, process.memoryUsage.rss()) };
	} finally {
		clearInterval(timer);
	}
}

async function main() {
	const [bench] = await db
		.select({ id: users.id })
		.from(users)
		.where(eq(users.email, BENCH_PRACTITIONER.email));
	if (!bench)
		throw new Error('Run `npm run bench:seed` first: the export reads its 100,000 sessions.');
	const [{ sessions } = { sessions: 0 }] = await db.execute<{ sessions: number }>(
		sql`select count(*)::int as sessions from sessions where owner_id = ${bench.id}`
	);

	/** One full export, read to the end: its bytes, time, and highest resident set on the way. */
	const exportOnce = async () => {
		const before = process.memoryUsage.rss();
		const start = performance.now();
		const { value: bytes, highest } = await sampled(async () => {
			const download = await csvDownload('sessions.csv', exportSessions(db, bench.id));
			const reader = download.body!.getReader();
			let read = 0;
			for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
				read += chunk.value.length;
			}
			return read;
		});
		return {
			bytes,
			seconds: (performance.now() - start) / 1000,
			highest,
			growth: mb(highest - before)
		};
	};
	// The first export in a fresh process also loads and compiles its code and lets V8 grow its
	// heap to a working size; the second is what a running app's export costs. Both are shown.
	const cold = await exportOnce();
	const warm = await exportOnce();
	await db.delete(users).where(eq(users.email, IMPORTER));
	const [importer] = await db
		.insert(users)
		.values({ email: IMPORTER, name: 'CSV Bench', ageConfirmedAt: new Date() })
		.returning({ id: users.id });
	const file = Buffer.from(clientsFile(IMPORT_ROWS)).toString('base64');
	const previewStart = performance.now();
	const { mapping } = previewImport('clients', file);
	const previewSeconds = (performance.now() - previewStart) / 1000;
	const importStart = performance.now();
	const cpuBefore = process.cpuUsage();
	const postgresBefore = postgresCpu();
	const outcome = await importClients(
		db,
		importer!.id,
		importClientsSchema.parse({ file, mapping, duplicates: 'skip' })
	);
	const importSeconds = (performance.now() - importStart) / 1000;
	const cpu = process.cpuUsage(cpuBefore);
	const importCpuSeconds =
		(cpu.user + cpu.system) / 1e6 + postgresCpuBetween(postgresBefore, postgresCpu()) / 1000;
	if (!outcome.imported || outcome.created !== IMPORT_ROWS) {
		throw new Error(
			`The import did not import every row: ${JSON.stringify(outcome).slice(0, 500)}`
		);
	}

	const rows = IMPORT_ROWS.toLocaleString('en');
	const fileMb = mb((file.length * 3) / 4).toFixed(1);
	const exportRow = (label: string, run: typeof cold) => [
		label,
		sessions.toLocaleString('en'),
		mb(run.bytes).toFixed(1),
		run.seconds.toFixed(2),
		'',
		mb(run.highest).toFixed(0),
		run.growth.toFixed(1) + mark(run.growth < EXPORT_GROWTH_TARGET_MB),
		`growth < ${EXPORT_GROWTH_TARGET_MB} MB`
	];
	printTable(
		['operation', 'rows', 'file MB', 'time s', 'CPU s', 'peak RSS MB', 'RSS growth MB', 'target'],
		[
			exportRow('export sessions, first', cold),
			exportRow('export sessions, again', warm),
			['preview clients (read, guess)', rows, fileMb, previewSeconds.toFixed(2), '', '', '', ''],
			[
				'import clients (check, insert)',
				rows,
				fileMb,
				importSeconds.toFixed(2) + mark(importSeconds < IMPORT_TARGET_S),
				importCpuSeconds.toFixed(2),
				mb(peakRss()).toFixed(0),
				'',
				`< ${IMPORT_TARGET_S} s`
			]
		]
	);
	console.log(
		`\nLoad average while it ran: ${loadavg()
			.map((l) => l.toFixed(1))
			.join(', ')} (${cpus().length} cores).`
	);
	if (sessions !== BENCH_SESSIONS)
		console.log(
			`\nThe bench practitioner has ${sessions} sessions, not ${BENCH_SESSIONS}: run bench:seed again.`
		);
}

async function cleanUp() {
	await db.delete(users).where(eq(users.email, IMPORTER));
	await db.$client.end();
}

await runBench(main, cleanUp);
