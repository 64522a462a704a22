import { sql } from 'drizzle-orm';
import type { Db } from './db';

export type Health = { status: 'ok' | 'error'; db: 'ok' | 'unreachable' };

/** Healthy when the database answers within the timeout. */
export async function checkHealth(db: Db, timeoutMs = 2000): Promise<Health> {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<never>((_, fail) => {
		timer = setTimeout(() => fail(new Error('timed out')), timeoutMs);
	});
	try {
		await Promise.race([db.execute(sql`select 1`), timeout]);
		return { status: 'ok', db: 'ok' };
	} catch {
		return { status: 'error', db: 'unreachable' };
	} finally {
		clearTimeout(timer);
	}
}
