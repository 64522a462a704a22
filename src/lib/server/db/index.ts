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

type Sql = postgres.Sql | postgres.TransactionSql;
type Run = (sql: postgres.TransactionSql) => unknown;
/** `begin` and `savepoint` as drizzle calls them: with the function to run in the scope alone. */
type Scoped = (run: Run) => Promise<unknown>;

/**
 * Runs `run` between `open` and `close` in the transaction `tx`, or undoes what it did when it
 * throws.
 */
async function inScope(
	tx: postgres.TransactionSql,
	statements: { open: string; close: string; undo: string },
	run: Run
): Promise<unknown> {
	await tx.unsafe(statements.open);
	let result: unknown;
	try {
		result = await run(tx);
	} catch (error) {
		await tx.unsafe(statements.undo);
		throw error;
	}
	await tx.unsafe(statements.close);
	return result;
}

/**
 * The reserved connection as a transaction, whose `savepoint` nests a scope in it, as drizzle's
 * nested transactions ask.
 */
function asTransaction(reserved: postgres.ReservedSql): postgres.TransactionSql {
	let made = 0;
	const savepoint: Scoped = (run) => {
		const name = `s${made++}`;
		const statements = {
			open: `savepoint ${name}`,
			close: `release savepoint ${name}`,
			undo: `rollback to savepoint ${name}`
		};
		return inScope(tx, statements, run);
	};
	const tx = Object.assign(reserved, { savepoint }) as unknown as postgres.TransactionSql;
	return tx;
}

/**
 * A transaction on a connection reserved for it first. postgres.js 3.4.9's own `begin` can send
 * BEGIN without reserving the connection when that BEGIN is the one that fills the connection's
 * pipeline (porsager/postgres#823, #1189): under load the transaction then fails with
 * UNSAFE_TRANSACTION, and the connection goes back to the pool with the transaction still open,
 * for unrelated statements to run in. A reserved connection is never pipelined into.
 */
async function beginOnReserved(client: postgres.Sql, run: Run) {
	const reserved = await client.reserve();
	try {
		const statements = { open: 'begin', close: 'commit', undo: 'rollback' };
		return await inScope(asTransaction(reserved), statements, run);
	} finally {
		reserved.release();
	}
}

/** The handles already made to prepare every statement. */
const preparing = new WeakSet<Sql>();

/**
 * Makes every statement drizzle sends through `sql` a prepared one, in its transactions and
 * savepoints too. postgres.js sends an unprepared statement that has parameters in two round trips
 * (describe, then bind and execute) and pipelines nothing behind it; a statement already prepared
 * on the connection takes one. Drizzle asks for unprepared statements unless each query calls
 * `.prepare()`, so the default is turned here, once. Transactions begin on a reserved connection
 * (see beginOnReserved).
 */
function preparingEveryStatement<S extends Sql>(sql: S): S {
	// A reserved transaction is one object for all its savepoints: it is wrapped once.
	if (preparing.has(sql)) return sql;
	preparing.add(sql);
	const { unsafe } = sql;
	sql.unsafe = ((query, parameters, options) =>
		unsafe(query, parameters, { ...options, prepare: true })) as typeof unsafe;
	const scoped =
		(open: Scoped): Scoped =>
		(run) =>
			open((inner) => run(preparingEveryStatement(inner)));
	if ('savepoint' in sql) {
		const savepoint = sql.savepoint.bind(sql) as Scoped;
		sql.savepoint = scoped(savepoint) as typeof sql.savepoint;
	} else {
		const begin: Scoped = (run) => beginOnReserved(sql as postgres.Sql, run);
		sql.begin = scoped(begin) as typeof sql.begin;
	}
	return sql;
}

export function createDatabase(url: string, options: { max?: number } = {}): Database {
	const client = postgres(url, {
		max: options.max ?? 10,
		onnotice: () => {},
		// Every execution is planned for its own parameters, as an unprepared statement is: a
		// generic plan never stands in for them (a search term's selectivity matters).
		connection: { plan_cache_mode: 'force_custom_plan' }
	});
	// Each connection's prepared statements go when postgres.js retires it (after 30–60 minutes),
	// which bounds their number even for statements whose text varies with a list's length.
	return drizzle(preparingEveryStatement(client), { schema, casing: 'snake_case' });
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
