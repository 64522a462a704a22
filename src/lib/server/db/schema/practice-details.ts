import { sql } from 'drizzle-orm';
import { check, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from './users';

/** What a practice prints on its statements; one row per practitioner, made on first save. */
export const practiceDetails = pgTable(
	'practice_details',
	{
		ownerId: uuid('owner_id')
			.primaryKey()
			.references(() => users.id, { onDelete: 'cascade' }),
		name: text('name').notNull().default(''),
		/** Several lines, as it is printed. */
		address: text('address').notNull().default(''),
		taxId: text('tax_id').notNull().default(''),
		updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		check('practice_details_name_length', sql`char_length(${t.name}) <= 200`),
		check('practice_details_address_length', sql`char_length(${t.address}) <= 500`),
		check('practice_details_tax_id_length', sql`char_length(${t.taxId}) <= 50`)
	]
);

export type PracticeDetails = typeof practiceDetails.$inferSelect;
