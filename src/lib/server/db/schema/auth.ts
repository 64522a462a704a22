import { check, index, integer, pgEnum, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { users } from './users';

/** A signed-in browser. Only the SHA-256 of the token's secret half is stored. */
export const authSessions = pgTable(
	'auth_sessions',
	{
		id: text('id').primaryKey(),
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		secretHash: text('secret_hash').notNull(),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
		lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
		ip: text('ip'),
		userAgent: text('user_agent')
	},
	(t) => [index('auth_sessions_user_id_idx').on(t.userId)]
);

export const emailTokenPurpose = pgEnum('email_token_purpose', [
	'verify_email',
	'reset_password',
	'change_email'
]);

/**
 * Single-use links sent by email; like auth sessions, only the secret's hash is kept. A change of
 * email keeps the address it moves to until the link sent there is followed.
 */
export const emailTokens = pgTable(
	'email_tokens',
	{
		id: text('id').primaryKey(),
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		purpose: emailTokenPurpose('purpose').notNull(),
		secretHash: text('secret_hash').notNull(),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
		usedAt: timestamp('used_at', { withTimezone: true }),
		newEmail: text('new_email')
	},
	(t) => [
		index('email_tokens_user_id_idx').on(t.userId),
		// Compared as text: a value added to an enum cannot be used in the transaction adding it.
		check(
			'email_tokens_new_email_for_change',
			sql`(${t.purpose}::text = 'change_email') = (${t.newEmail} is not null)`
		)
	]
);

export const securityEventKind = pgEnum('security_event_kind', [
	'sign_up',
	'sign_in',
	'sign_in_failed',
	'sign_out',
	'sign_out_others',
	'email_verified',
	'password_changed',
	'password_reset_requested',
	'password_reset',
	'data_exported',
	'email_change_requested',
	'email_changed',
	'password_added',
	'google_linked',
	'google_unlinked',
	'zoom_connected',
	'zoom_disconnected'
]);

export const securityEvents = pgTable(
	'security_events',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		kind: securityEventKind('kind').notNull(),
		ip: text('ip'),
		userAgent: text('user_agent'),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [index('security_events_user_id_created_at_idx').on(t.userId, t.createdAt.desc())]
);

/** Fixed-window counters shared by every app instance through the database. */
export const rateLimits = pgTable(
	'rate_limits',
	{
		key: text('key').primaryKey(),
		windowStartedAt: timestamp('window_started_at', { withTimezone: true }).notNull(),
		hits: integer('hits').notNull()
	},
	(t) => [check('rate_limits_hits_positive', sql`${t.hits} > 0`)]
);

export type AuthSession = typeof authSessions.$inferSelect;
export type SecurityEvent = typeof securityEvents.$inferSelect;
