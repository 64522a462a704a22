import { sql } from 'drizzle-orm';
import type { Database } from '../../../src/lib/server/db';
import { QUEUES } from '../../../src/lib/server/jobs/queues';
import { waitFor } from './wait';

/**
 * Waits until no email job is waiting, retrying or running: every send a worker will make has been
 * made, so counting what arrived is final. Jobs still held by a worker killed at `abandonedAt`
 * stay active until pg-boss expires them, and are not waited for.
 */
export function emailJobsSettled(db: Database, abandonedAt?: Date): Promise<void> {
	const cutoff = abandonedAt ?? new Date(0);
	return waitFor('every email job to settle', async () => {
		const [row] = await db.execute<{ n: number }>(sql`
			select count(*)::int as n from pgboss.job
			where name = ${QUEUES.emailSend}
				and (state < 'active' or (state = 'active' and started_on > ${cutoff.toISOString()}::timestamptz))`);
		return row!.n === 0;
	});
}
