import { and, asc, desc, eq, gt, isNotNull, isNull, or, sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { Db } from '../db';
import { perDatabase } from '../db/per-database';
import { clients, noteAddenda, sessionNotes, sessions } from '../db/schema';
import { notFound } from '../practice-errors';
import { owedByCurrency } from '../sessions/service';
import {
	decodeCursor,
	encodeCursor,
	parseTags,
	type clientFields,
	type listClientsSchema
} from './schemas';

type ClientInput = z.output<typeof clientFields>;

const listColumns = {
	id: clients.id,
	name: clients.name,
	email: clients.email,
	phone: clients.phone,
	tags: clients.tags,
	archivedAt: clients.archivedAt
};

/** `%` and `_` typed by a person are literal characters, not patterns. */
const likeLiteral = (value: string) => value.replace(/[\\%_]/g, (c) => `\\${c}`);

type ListInput = z.output<typeof listClientsSchema>;
type ListShape = Pick<ListInput, 'show'> & { q: boolean; tag: boolean; cursor: boolean };
const lowerName = sql<string>`lower(${clients.name})`;

/** The page query for one combination of filters, with every value left as a placeholder. */
function listQuery(db: Db, shape: ListShape) {
	const value = (name: string) => sql.placeholder(name);
	return db
		.select({ ...listColumns, sortName: lowerName })
		.from(clients)
		.where(
			and(
				eq(clients.ownerId, value('ownerId')),
				// Folded as search_text is, so that case and accents count on neither side.
				shape.q ? sql`${clients.searchText} like search_fold(${value('pattern')})` : undefined,
				shape.tag ? sql`${clients.tags} @> array[${value('tag')}]::text[]` : undefined,
				shape.show === 'active' ? isNull(clients.archivedAt) : undefined,
				shape.show === 'archived' ? isNotNull(clients.archivedAt) : undefined,
				shape.cursor
					? or(
							gt(lowerName, value('afterName')),
							and(eq(lowerName, value('afterName')), gt(clients.id, value('afterId')))
						)
					: undefined
			)
		)
		.orderBy(asc(lowerName), asc(clients.id))
		.limit(value('limit'))
		.prepare('clients_list');
}

/** Built once per database handle and combination of filters: searching is what people do most. */
const listQueries = perDatabase(() => new Map<string, ReturnType<typeof listQuery>>());

/**
 * One page of clients in name order. The trigram index answers the search; the keyset cursor
 * (lower(name), id) keeps later pages as fast as the first.
 */
export async function listClients(db: Db, ownerId: string, input: ListInput) {
	const cursor = input.cursor ? decodeCursor(input.cursor) : null;
	const shape: ListShape = { q: !!input.q, tag: !!input.tag, show: input.show, cursor: !!cursor };
	const key = JSON.stringify(shape);
	const queries = listQueries(db);
	let query = queries.get(key);
	if (!query) queries.set(key, (query = listQuery(db, shape)));
	const rows = await query.execute({
		ownerId,
		pattern: `%${likeLiteral(input.q)}%`,
		tag: input.tag,
		afterName: cursor?.name,
		afterId: cursor?.id,
		limit: input.limit + 1
	});
	const page = rows.slice(0, input.limit);
	const last = page.at(-1);
	return {
		items: page.map(({ sortName: _, ...row }) => row),
		nextCursor:
			rows.length > input.limit && last ? encodeCursor({ name: last.sortName, id: last.id }) : null
	};
}

export async function clientTags(db: Db, ownerId: string): Promise<string[]> {
	const rows = await db.execute<{ tag: string }>(
		sql`select distinct unnest(${clients.tags}) as tag from ${clients} where ${clients.ownerId} = ${ownerId} order by 1`
	);
	return rows.map((r) => r.tag);
}

/** The client page's three queries, with the owner and the client as placeholders. */
const clientPageQueries = perDatabase((db) => {
	const ownerId = sql.placeholder('ownerId');
	const id = sql.placeholder('id');
	return {
		client: db
			.select()
			.from(clients)
			.where(and(eq(clients.id, id), eq(clients.ownerId, ownerId)))
			.prepare('client_page_client'),
		history: db
			.select({
				id: sessions.id,
				startsAt: sessions.startsAt,
				endsAt: sessions.endsAt,
				timeZone: sessions.timeZone,
				status: sessions.status,
				paymentStatus: sessions.paymentStatus,
				feeMinor: sessions.feeMinor,
				currency: sessions.currency,
				noteBody: sessionNotes.body,
				noteSignedAt: sessionNotes.signedAt,
				addenda: sql<number>`(select count(*)::int from ${noteAddenda} where ${noteAddenda.noteId} = ${sessionNotes.id})`
			})
			.from(sessions)
			.leftJoin(sessionNotes, eq(sessionNotes.sessionId, sessions.id))
			.where(and(eq(sessions.ownerId, ownerId), eq(sessions.clientId, id)))
			.orderBy(desc(sessions.startsAt))
			.prepare('client_page_history'),
		owed: owedByCurrency(db, ownerId, id).prepare('client_page_owed')
	};
});

/** The client page: details, every session with its note, and what the client owes. */
export async function getClient(db: Db, ownerId: string, id: string) {
	const queries = clientPageQueries(db);
	const values = { ownerId, id };
	// All three at once: each is limited to the owner's rows by itself, so none waits for a check.
	const [[client], history, owed] = await Promise.all([
		queries.client.execute(values),
		queries.history.execute(values),
		queries.owed.execute(values)
	]);
	if (!client) throw notFound('client');
	const { searchText: _, ...details } = client;
	return { client: details, sessions: history, owed };
}

function stored(input: ClientInput) {
	return {
		...input,
		email: input.email || null,
		phone: input.phone || null,
		tags: parseTags(input.tags)
	};
}

/** Active clients for pickers, by name. */
export function clientChoices(db: Db, ownerId: string) {
	return db
		.select({ id: clients.id, name: clients.name })
		.from(clients)
		.where(and(eq(clients.ownerId, ownerId), isNull(clients.archivedAt)))
		.orderBy(asc(sql`lower(${clients.name})`), asc(clients.id))
		.limit(2000);
}

export async function createClient(db: Db, ownerId: string, input: ClientInput) {
	const [created] = await db
		.insert(clients)
		.values({ ...stored(input), ownerId })
		.returning({ id: clients.id });
	return created!;
}

export async function updateClient(db: Db, ownerId: string, id: string, input: ClientInput) {
	const [updated] = await db
		.update(clients)
		.set({ ...stored(input), updatedAt: new Date() })
		.where(and(eq(clients.id, id), eq(clients.ownerId, ownerId)))
		.returning({ id: clients.id });
	if (!updated) throw notFound('client');
	return updated;
}

export async function setClientArchived(db: Db, ownerId: string, id: string, archived: boolean) {
	const [updated] = await db
		.update(clients)
		.set({ archivedAt: archived ? new Date() : null, updatedAt: new Date() })
		.where(and(eq(clients.id, id), eq(clients.ownerId, ownerId)))
		.returning({ id: clients.id });
	if (!updated) throw notFound('client');
	return updated;
}

/** Deletes the client with their sessions and notes (cascading foreign keys). */
export async function deleteClient(db: Db, ownerId: string, id: string) {
	const [deleted] = await db
		.delete(clients)
		.where(and(eq(clients.id, id), eq(clients.ownerId, ownerId)))
		.returning({ id: clients.id });
	if (!deleted) throw notFound('client');
	return deleted;
}
