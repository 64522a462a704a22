import { sql, type SQL } from 'drizzle-orm';
import { index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from './users';

export const clients = pgTable(
	'clients',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		ownerId: uuid('owner_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		name: text('name').notNull(),
		email: text('email'),
		phone: text('phone'),
		notes: text('notes').notNull().default(''),
		tags: text('tags')
			.array()
			.notNull()
			.default(sql`'{}'::text[]`),
		archivedAt: timestamp('archived_at', { withTimezone: true }),
		/**
		 * What as-you-type search matches: name, email and phone in one trigram-indexed column,
		 * folded by search_fold (lower case, no accents; see drizzle/0005_search_fold.sql) as the
		 * typed text is.
		 */
		searchText: text('search_text')
			.notNull()
			.generatedAlwaysAs(
				(): SQL =>
					sql`search_fold(${clients.name} || ' ' || coalesce(${clients.email}, '') || ' ' || coalesce(${clients.phone}, ''))`
			),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		// Keyset pagination walks (lower(name), id) within one practitioner.
		index('clients_owner_name_idx').on(t.ownerId, sql`lower(${t.name})`, t.id),
		index('clients_search_idx').using('gin', t.ownerId, sql`${t.searchText} gin_trgm_ops`),
		index('clients_tags_idx').using('gin', t.tags)
	]
);

export type ClientRow = typeof clients.$inferSelect;
