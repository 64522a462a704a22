import { inArray, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db';

/**
 * What an account owns, found in the catalog rather than listed by hand: the users row, every
 * table with a foreign key to it, and every table with a foreign key to one of those, however
 * deep. A table added later (by any feature) is exported and deleted with the account from the
 * day it exists, with no list to forget.
 */
export type OwnedTable = {
	/** As the export names it: the table, prefixed with its schema outside `public`. */
	name: string;
	/** Schema and table, quoted by PostgreSQL. */
	qualified: string;
	/** Columns the export carries: all but secrets and generated ones. */
	columns: string[];
	/** The other owned tables this one has keys to. */
	references: string[];
	/** Picks the account's rows of this table. */
	rowsOf: (userId: string) => SQL;
};

/** Never leave the server, not even to their owner: what signs them in or proves a link. */
const SECRET_COLUMNS: Record<string, string[]> = {
	users: ['password_hash'],
	// A sign-in's and an emailed link's id is half of its token.
	auth_sessions: ['id', 'secret_hash'],
	email_tokens: ['id', 'secret_hash']
};

/** The same for columns of tables added later whose names say what they hold (a feed token's hash). */
const SECRET_NAME = /(^|_)(password|secret|token|hash|encrypted)(_|$)/;

const isSecretColumn = (table: string, column: string) =>
	SECRET_NAME.test(column) || (SECRET_COLUMNS[table]?.includes(column) ?? false);

type ForeignKey = {
	child: string;
	parent: string;
	childColumns: string[];
	parentColumns: string[];
};
type TableInfo = { qualified: string; schema: string; table: string; columns: string[] };

const USERS = 'public.users';
const SCHEMAS_OF_OURS = sql`n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_%'`;

async function foreignKeys(db: Db): Promise<ForeignKey[]> {
	const columnsOf = (relation: string, keys: string) =>
		sql.raw(`(
		select array_agg(quote_ident(a.attname) order by k.i)
		from unnest(${keys}) with ordinality k(n, i)
		join pg_attribute a on a.attrelid = ${relation} and a.attnum = k.n)`);
	// conparentid = 0: a key of a partitioned table once, not again for each of its partitions.
	return db.execute<ForeignKey>(sql`
		select format('%I.%I', n.nspname, r.relname) as child,
			format('%I.%I', pn.nspname, pr.relname) as parent,
			${columnsOf('c.conrelid', 'c.conkey')} as "childColumns",
			${columnsOf('c.confrelid', 'c.confkey')} as "parentColumns"
		from pg_constraint c
		join pg_class r on r.oid = c.conrelid
		join pg_namespace n on n.oid = r.relnamespace
		join pg_class pr on pr.oid = c.confrelid
		join pg_namespace pn on pn.oid = pr.relnamespace
		where c.contype = 'f' and c.conparentid = 0 and ${SCHEMAS_OF_OURS}`);
}

async function tableInfo(db: Db, qualified: string[]): Promise<Map<string, TableInfo>> {
	const rows = await db.execute<TableInfo>(sql`
		select format('%I.%I', n.nspname, r.relname) as qualified, n.nspname as schema,
			r.relname as "table",
			array_agg(a.attname::text order by a.attnum) as columns
		from pg_class r
		join pg_namespace n on n.oid = r.relnamespace
		join pg_attribute a on a.attrelid = r.oid and a.attnum > 0 and not a.attisdropped
			and a.attgenerated = ''
		where ${inArray(sql`format('%I.%I', n.nspname, r.relname)`, qualified)}
		group by n.nspname, r.relname`);
	return new Map(rows.map((row) => [row.qualified, row]));
}

/**
 * The owned tables, nearest the account first. A table is reached through its keys to the
 * nearest owned tables only: one with a key to users is the account's by that key alone, even if
 * it also points at rows of another owned table.
 */
export async function ownedTables(db: Db): Promise<OwnedTable[]> {
	const keys = await foreignKeys(db);
	const owners = new Map<string, (userId: string) => SQL>([
		[USERS, (userId) => sql`${sql.identifier('id')} = ${userId}`]
	]);
	let frontier = [USERS];
	while (frontier.length > 0) {
		const reached = new Map<string, ForeignKey[]>();
		for (const key of keys) {
			if (!frontier.includes(key.parent) || owners.has(key.child)) continue;
			reached.set(key.child, [...(reached.get(key.child) ?? []), key]);
		}
		for (const [child, viaKeys] of reached) {
			const viaParents = viaKeys.map((key) => ({ key, rowsOfParent: owners.get(key.parent)! }));
			owners.set(child, (userId) =>
				sql.join(
					viaParents.map(
						({ key, rowsOfParent }) =>
							sql`(${sql.raw(key.childColumns.join(', '))}) in (select ${sql.raw(key.parentColumns.join(', '))} from ${sql.raw(key.parent)} where ${rowsOfParent(userId)})`
					),
					sql` or `
				)
			);
		}
		frontier = [...reached.keys()];
	}
	const info = await tableInfo(db, [...owners.keys()]);
	return [...owners].map(([qualified, rowsOf]) => {
		const { schema, table, columns } = info.get(qualified)!;
		return {
			name: schema === 'public' ? table : `${schema}.${table}`,
			qualified,
			columns: columns.filter((column) => !isSecretColumn(table, column)),
			references: [
				...new Set(
					keys
						.filter((key) => key.child === qualified && key.parent !== qualified)
						.map((key) => key.parent)
				)
			],
			rowsOf
		};
	});
}

/**
 * The owned tables in an order to delete their rows in: every table before those it has keys to,
 * so that each finds its rows through rows still there, whatever its keys do on delete. Tables in
 * a circle of keys come last, in any order: their keys must cascade.
 */
export function childrenFirst(tables: OwnedTable[]): OwnedTable[] {
	const owned = new Map(tables.map((table) => [table.qualified, table]));
	const referencedBy = new Map(tables.map((table) => [table.qualified, 0]));
	for (const table of tables) {
		for (const target of table.references) {
			if (owned.has(target)) referencedBy.set(target, referencedBy.get(target)! + 1);
		}
	}
	const ordered: OwnedTable[] = [];
	const free = tables.filter((table) => referencedBy.get(table.qualified) === 0);
	while (free.length > 0) {
		const table = free.shift()!;
		ordered.push(table);
		for (const target of table.references) {
			if (!owned.has(target)) continue;
			const left = referencedBy.get(target)! - 1;
			referencedBy.set(target, left);
			if (left === 0) free.push(owned.get(target)!);
		}
	}
	return [...ordered, ...tables.filter((table) => !ordered.includes(table))];
}
