import { index, integer, jsonb, pgEnum, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/** A file sent with an email, such as the calendar invite (.ics) of a series confirmation. */
export type StoredAttachment = { filename: string; content: string; contentType: string };

/** Where email goes when no SMTP server is configured, so a developer can read it locally. */
export const outboxEmails = pgTable('outbox_emails', {
	id: uuid('id').primaryKey().defaultRandom(),
	to: text('to').notNull(),
	subject: text('subject').notNull(),
	text: text('text').notNull(),
	html: text('html').notNull(),
	headers: jsonb('headers').$type<Record<string, string>>().notNull().default({}),
	attachments: jsonb('attachments').$type<StoredAttachment[]>().notNull().default([]),
	createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow()
});

export type OutboxEmail = typeof outboxEmails.$inferSelect;

export const deliveryStatus = pgEnum('email_delivery_status', [
	'queued',
	'sending',
	'sent',
	'failed'
]);

/**
 * Every email the app sends, keyed by what it is for (recipient, purpose, occurrence…). The unique
 * key makes each email exist once; workers claim a row before sending, so it is sent once.
 */
export const emailDeliveries = pgTable(
	'email_deliveries',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		key: text('key').notNull().unique(),
		recipient: text('recipient').notNull(),
		purpose: text('purpose').notNull(),
		subject: text('subject').notNull(),
		text: text('text').notNull(),
		html: text('html').notNull(),
		headers: jsonb('headers').$type<Record<string, string>>().notNull().default({}),
		attachments: jsonb('attachments').$type<StoredAttachment[]>().notNull().default([]),
		status: deliveryStatus('status').notNull().default('queued'),
		attempts: integer('attempts').notNull().default(0),
		/** While `sending`, the claim is held until then; a crashed worker's claim runs out. */
		leaseUntil: timestamp('lease_until', { withTimezone: true }),
		/** While `queued` after a failed attempt, the next attempt is due then. */
		nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }),
		sentAt: timestamp('sent_at', { withTimezone: true }),
		lastError: text('last_error'),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [index('email_deliveries_status_idx').on(t.status, t.createdAt)]
);

export type EmailDelivery = typeof emailDeliveries.$inferSelect;

/** Values the app generates once and every instance shares, such as the key that signs links. */
export const appSecrets = pgTable('app_secrets', {
	name: text('name').primaryKey(),
	value: text('value').notNull(),
	createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow()
});
