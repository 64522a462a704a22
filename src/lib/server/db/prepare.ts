import { constants } from 'node:os';
import { config } from '../config';
import { startEmbeddedPostgres } from './embedded';
import { ensureDatabase, migrateDatabase } from './migrate';

export type PreparedDatabase = { url: string; embedded: boolean; stop: () => Promise<void> };

/**
 * For a script with no shutdown of its own: Ctrl-C or SIGTERM stops the embedded database before
 * the process ends, which a signal's default ending would not.
 */
export function stopOnSignals(database: PreparedDatabase): void {
	for (const signal of ['SIGINT', 'SIGTERM'] as const) {
		process.once(signal, () => {
			void database.stop().finally(() => process.exit(128 + constants.signals[signal]));
		});
	}
}

/**
 * Finds the database (DATABASE_URL, or an embedded PostgreSQL in DATA_DIR when unset), applies
 * migrations and publishes the URL in process.env for getDb(). Every entry point calls this first.
 */
export async function prepareDatabase(
	log: (message: string) => void = console.log
): Promise<PreparedDatabase> {
	const settings = config();
	if (settings.DATABASE_URL) {
		await migrateDatabase(settings.DATABASE_URL);
		return { url: settings.DATABASE_URL, embedded: false, stop: async () => {} };
	}
	const server = await startEmbeddedPostgres(settings.DATA_DIR, log);
	const url = await ensureDatabase(server.url, 'sessionboard');
	await migrateDatabase(url);
	process.env.DATABASE_URL = url;
	return { url, embedded: true, stop: server.stop };
}
