import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { Database, Db } from '.';

const dialect = new PgDialect({ casing: 'snake_case' });

/**
 * The rows of one query, `size` at a time from a cursor on one connection: the next batch is read
 * only when the caller asks for it, so memory stays flat however many rows there are, and every
 * batch comes from the same snapshot. Stopping early (a `break`, a closed download) closes the cursor.
 */
export async function* inBatches<T>(db: Db, query: SQL, size = 1000): AsyncGenerator<T[]> {
	// drizzle has no cursors; postgres.js does, on the handle (a transaction would hold it open).
	const client = (db as Partial<Database>).$client;
	if (!client) throw new Error('A cursor needs the database handle, not a transaction.');
	const { sql, params } = dialect.sqlToQuery(query);
	for await (const rows of client.unsafe(sql, params as never[]).cursor(size)) {
		yield rows as unknown as T[];
	}
}
