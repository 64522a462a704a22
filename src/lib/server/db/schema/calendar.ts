import { sql } from 'drizzle-orm';
import {
	boolean,
	check,
	integer,
	pgTable,
	primaryKey,
	text,
	timestamp,
	uuid
} from 'drizzle-orm/pg-core';
import { users } from './users';

/**
 * A practitioner's private calendar feed. Only the SHA-256 of its token is kept (the token is a
 * random 160-bit value, so the hash alone finds the row), which is why the address is shown once.
 */
export const calendarFeeds = pgTable(
	'calendar_feeds',
	{
		ownerId: uuid('owner_id')
			.primaryKey()
			.references(() => users.id, { onDelete: 'cascade' }),
		tokenHash: text('token_hash').notNull().unique(),
		/** Calendars get shared: events name clients by initials unless this is on. */
		showFullNames: boolean('show_full_names').notNull().default(false),
		issuedAt: timestamp('issued_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [check('calendar_feeds_token_hash', sql`${t.tokenHash} ~ '^[0-9a-f]{64}$'`)]
);

/**
 * What the feed last said about each event: a digest of its properties, and the SEQUENCE and
 * DTSTAMP that go with it. When the digest changes, SEQUENCE goes up by one, whatever changed it
 * (the session, its client's name, the series' title, the names setting).
 */
export const calendarFeedEvents = pgTable(
	'calendar_feed_events',
	{
		ownerId: uuid('owner_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		uid: text('uid').notNull(),
		digest: text('digest').notNull(),
		sequence: integer('sequence').notNull().default(0),
		changedAt: timestamp('changed_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		primaryKey({ columns: [t.ownerId, t.uid] }),
		check('calendar_feed_events_sequence', sql`${t.sequence} >= 0`)
	]
);
