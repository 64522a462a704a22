/** Errors of a database connection that was lost or refused, from pg (pg-boss's driver). */
const LOST = new Set([
	'ECONNRESET',
	'ECONNREFUSED',
	'EPIPE',
	'ETIMEDOUT',
	'57P01',
	'57P02',
	'57P03'
]);

export function isConnectionLoss(reason: unknown): boolean {
	if (!(reason instanceof Error)) return false;
	const code = (reason as { code?: unknown }).code;
	if (typeof code === 'string' && (LOST.has(code) || code.startsWith('08'))) return true;
	return /^Connection terminated/.test(reason.message);
}

let surviving = false;

/**
 * pg-boss 10 records the end of a batch of jobs without waiting on the write (its worker's
 * onFetch calls complete or fail and moves on), so a database lost at that moment leaves a
 * rejection no one handles, and Node ends the process: a PostgreSQL restart took an app instance
 * down with it. That loss is survived: the job's lease runs out and it is run again. Any other
 * unhandled rejection still ends the process, as Node would.
 */
export function surviveLostJobCompletions(log: (message: string) => void): void {
	if (surviving) return;
	surviving = true;
	process.on('unhandledRejection', (reason) => {
		if (!isConnectionLoss(reason)) throw reason;
		log(`a job's end was not recorded, the database being unreachable (${String(reason)})`);
	});
}
