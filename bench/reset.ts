/**
 * How long a password-reset request takes for an address with an account and for one without,
 * one after the other, through the service the procedure calls. The two must not differ: the
 * difference would tell anyone which addresses have an account.
 */
import { performance } from 'node:perf_hooks';
import { inArray, sql } from 'drizzle-orm';
import { requestPasswordReset } from '../src/lib/server/account/service';
import { createDatabase } from '../src/lib/server/db';
import { ensureDatabase, migrateDatabase } from '../src/lib/server/db/migrate';
import { rateLimits, users } from '../src/lib/server/db/schema';
import { QUEUES } from '../src/lib/server/jobs/queues';
import { installJobs } from '../src/lib/server/jobs/worker';
import { benchDatabaseUrl, serverUrlAndName } from './bench-config';
import { intSetting, printTable, runBench } from './support';

const WARMUP = intSetting('BENCH_WARMUP', 50, 0, 10_000);
const REQUESTS = intSetting('BENCH_REQUESTS', 500, 10, 100_000);
const KNOWN = 'reset-bench@sessionboard.localhost';
const UNKNOWN = 'nobody-here@sessionboard.localhost';

const { serverUrl, name } = serverUrlAndName(benchDatabaseUrl());
const url = await ensureDatabase(serverUrl, name);
await migrateDatabase(url);
await installJobs(url);
const db = createDatabase(url);

const percentile = (sorted: number[], p: number) =>
	sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

async function main() {
	await db
		.insert(users)
		.values({ email: KNOWN, name: 'Reset Bench', ageConfirmedAt: new Date() })
		.onConflictDoNothing();
	const client = { ip: '127.0.0.1', userAgent: 'bench' };
	const times = new Map<string, number[]>([
		[KNOWN, []],
		[UNKNOWN, []]
	]);
	for (let i = 0; i < 2 * (WARMUP + REQUESTS); i++) {
		const email = i % 2 === 0 ? KNOWN : UNKNOWN;
		// Outside the measured time: every request here would soon be over its limits.
		await db.delete(rateLimits);
		const start = performance.now();
		await requestPasswordReset(db, { email }, client, 'http://localhost:3000');
		if (i >= 2 * WARMUP) times.get(email)!.push(performance.now() - start);
	}
	printTable(
		['address', 'p50 ms', 'p95 ms'],
		[...times].map(([email, ms]) => {
			const sorted = ms.sort((a, b) => a - b);
			return [
				email === KNOWN ? 'has an account' : 'has none',
				percentile(sorted, 0.5).toFixed(2),
				percentile(sorted, 0.95).toFixed(2)
			];
		})
	);
}

async function cleanUp() {
	await db.execute(sql`delete from pgboss.job where name = ${QUEUES.passwordReset}
		and data->>'email' in (${KNOWN}, ${UNKNOWN})`);
	await db.delete(users).where(inArray(users.email, [KNOWN]));
	await db.$client.end();
}

await runBench(main, cleanUp);
