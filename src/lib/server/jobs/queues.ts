import { sql, type SQL } from 'drizzle-orm';
import PgBoss from 'pg-boss';
import type { Db } from '../db';

/** pg-boss keeps its tables in their own schema of the app's database. */
export const JOB_SCHEMA = 'pgboss';

export const QUEUES = {
	emailSend: 'email.send',
	seriesReminders: 'series.reminders',
	seriesExtend: 'series.extend',
	subscriberHolds: 'subscribers.holds',
	passwordReset: 'account.password-reset',
	zoomMeeting: 'zoom.meeting'
} as const;

export type EmailSendJob = { deliveryId: string };
/** A reset asked for `email`, by the browser at `ip`; links point to `origin`. */
export type PasswordResetJob = {
	email: string;
	origin: string;
	ip: string | null;
	userAgent: string | null;
};

/**
 * pg-boss runs a statement on whatever `executeSql` it is given; this one runs it through drizzle
 * on `db`, so inside an open transaction the job is written in that transaction.
 */
function executorFor(db: Db): PgBoss.Db {
	return {
		async executeSql(text: string, values: unknown[] = []) {
			const chunks: SQL[] = text
				.split(/\$(\d+)/)
				.map((part, i) => (i % 2 === 0 ? sql.raw(part) : sql`${values[Number(part) - 1] ?? null}`));
			const rows = await db.execute(sql.join(chunks));
			return { rows: [...rows] };
		}
	};
}

/**
 * A pg-boss that is never started: it only turns `insert` into SQL for the executor passed with
 * each call. Enqueueing therefore needs no running boss in this process (a web request, the seed).
 */
let writer: PgBoss | undefined;
function jobWriter(): PgBoss {
	writer ??= new PgBoss({
		schema: JOB_SCHEMA,
		db: {
			executeSql: () => Promise.reject(new Error('Job writes go through the caller’s database'))
		}
	});
	return writer;
}

let installed = false;
/**
 * The first worker installs pg-boss's schema. Before that (tests of other features, a seed run
 * before the app ever started) deliveries are stored without a job and the worker's sweep sends
 * them once it runs.
 */
async function jobsInstalled(db: Db): Promise<boolean> {
	if (installed) return true;
	const [row] = await db.execute<{ found: boolean }>(
		sql`select to_regclass(${`${JOB_SCHEMA}.job`}) is not null as found`
	);
	installed = row?.found === true;
	return installed;
}

/**
 * Adds an `email.send` job per delivery, in `db`'s transaction when it is one. The job id is the
 * delivery id, so a delivery never has two live jobs (pg-boss ignores a second insert of an id).
 */
export async function enqueueDeliveries(db: Db, deliveryIds: string[]): Promise<void> {
	if (deliveryIds.length === 0 || !(await jobsInstalled(db))) return;
	const jobs = deliveryIds.map((id) => ({
		id,
		name: QUEUES.emailSend,
		data: { deliveryId: id } satisfies EmailSendJob
	}));
	await jobWriter().insert(jobs, { db: executorFor(db) });
}

/**
 * Adds a job to `queue`, in `db`'s transaction when it is one. Unlike email, whose sweep sends
 * what was queued before pg-boss was installed, such a job would be lost: every app instance and
 * worker installs pg-boss before it serves (see startAppJobs), and so do the tests' databases.
 */
export async function enqueueJob(db: Db, queue: string, data: object): Promise<void> {
	await jobWriter().insert([{ name: queue, data }], { db: executorFor(db) });
}

const wakers = Symbol.for('sessionboard.jobs.wakers');
type Holder = { [wakers]?: Set<() => void> };

/**
 * Workers running in this process, to be woken when email is queued instead of waiting for their
 * next poll. On globalThis because the dev server and the production entry load this module twice
 * (once for the worker, once inside SvelteKit's bundle).
 */
export function emailWakers(): Set<() => void> {
	const holder = globalThis as Holder;
	holder[wakers] ??= new Set();
	return holder[wakers];
}

export function wakeEmailWorkers(): void {
	for (const wake of emailWakers()) wake();
}
