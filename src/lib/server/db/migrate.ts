import { resolve } from 'node:path';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';

/** Any constant works; it only has to be the same in every instance that migrates. */
const MIGRATION_LOCK = 727_411_001;

/**
 * Applies the SQL migrations in drizzle/. Several instances starting at once take turns on an
 * advisory lock, so each migration runs exactly once.
 */
export async function migrateDatabase(url: string, folder = resolve('drizzle')): Promise<void> {
	const client = postgres(url, { max: 1, onnotice: () => {} });
	try {
		await client`select pg_advisory_lock(${MIGRATION_LOCK})`;
		await migrate(drizzle(client), { migrationsFolder: folder });
		await client`select pg_advisory_unlock(${MIGRATION_LOCK})`;
	} finally {
		await client.end();
	}
}

/** Creates a database on the server unless it exists. Names are our own constants, never input. */
export async function ensureDatabase(serverUrl: string, name: string): Promise<string> {
	const client = postgres(serverUrl, { max: 1, onnotice: () => {} });
	try {
		const [found] = await client`select 1 from pg_database where datname = ${name}`;
		if (!found) await client.unsafe(`create database "${name}"`);
	} finally {
		await client.end();
	}
	const url = new URL(serverUrl);
	url.pathname = `/${name}`;
	return url.toString();
}
