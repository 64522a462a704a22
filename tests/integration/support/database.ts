import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, inject } from 'vitest';
import { createDatabase, type Database } from '../../../src/lib/server/db';

/**
 * A fresh, migrated database for this test file, dropped when the file ends. It also becomes
 * DATABASE_URL, so code that uses the process-wide database (sockets, health) sees the same data.
 */
export async function useTestDatabase(): Promise<{ db: Database; url: string }> {
	const server = inject('databaseServerUrl');
	const template = inject('templateDatabase');
	const name = `${template}_${randomBytes(4).toString('hex')}`;
	const admin = postgres(server, { max: 1, onnotice: () => {} });
	await admin.unsafe(`create database "${name}" template "${template}"`);
	const url = new URL(server);
	url.pathname = `/${name}`;
	process.env.DATABASE_URL = url.toString();
	const db = createDatabase(url.toString());
	afterAll(async () => {
		await db.$client.end();
		await admin.unsafe(`drop database if exists "${name}" with (force)`);
		await admin.end();
	});
	return { db, url: url.toString() };
}
