import { jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/** Where email goes when no SMTP server is configured, so a developer can read it locally. */
export const outboxEmails = pgTable('outbox_emails', {
	id: uuid('id').primaryKey().defaultRandom(),
	to: text('to').notNull(),
	subject: text('subject').notNull(),
	text: text('text').notNull(),
	html: text('html').notNull(),
	headers: jsonb('headers').$type<Record<string, string>>().notNull().default({}),
	createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow()
});

export type OutboxEmail = typeof outboxEmails.$inferSelect;
