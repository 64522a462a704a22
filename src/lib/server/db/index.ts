import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { config } from '../config';
import * as schema from './schema';

export type Database = PostgresJsDatabase<typeof schema> & { $client: postgres.Sql };
/** A database handle or an open transaction: services accept either. */
export type Db = Pick<
	Database,
	'select' | 'insert' | 'update' | 'delete' | 'execute' | 'query' | 'transaction'
>;

export function createDatabase(url: string, options: { max?: number } = {}): Database {
	const client = postgres(url, { max: options.max ?? 10, onnotice: () => {} });
	return drizzle(client, { schema, casing: 'snake_case' });
}

const handle = Symbol.for('sessionboard.db');
type Holder = { [handle]?: Database };

/**
 * The process-wide database. Kept on globalThis so that the dev server's module reloads reuse one
 * pool instead of opening a new one per edit.
 */
export function getDb(): Database {
	const holder = globalThis as Holder;
	if (!holder[handle]) {
		const url = config().DATABASE_URL;
		if (!url) {
			throw new Error('DATABASE_URL is not set: the database must be prepared before it is used.');
		}
		holder[handle] = createDatabase(url);
	}
	return holder[handle];
}

export { schema };
