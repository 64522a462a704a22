import { sql } from 'drizzle-orm';
import type { Db } from './db';

export type Health = { status: 'ok' | 'shutting-down' | 'error'; db: 'ok' | 'unreachable' };

const shuttingDown = Symbol.for('sessionboard.shutting-down');
type Holder = { [shuttingDown]?: boolean };

/**
 * From now on this process only finishes what it has begun, and the health check says so, so that
 * a load balancer sends it nothing more. On globalThis because the production entry and
 * SvelteKit's bundle each load this module.
 */
export function markShuttingDown(): void {
	(globalThis as Holder)[shuttingDown] = true;
}

/** Healthy when the database answers within the timeout and the process is not shutting down. */
export async function checkHealth(db: Db, timeoutMs = 2000): Promise<Health> {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<never>((_, fail) => {
		timer = setTimeout(() => fail(new Error('timed out')), timeoutMs);
	});
	try {
		await Promise.race([db.execute(sql`select 1`), timeout]);
		return { status: (globalThis as Holder)[shuttingDown] ? 'shutting-down' : 'ok', db: 'ok' };
	} catch {
		return { status: 'error', db: 'unreachable' };
	} finally {
		clearTimeout(timer);
	}
}
