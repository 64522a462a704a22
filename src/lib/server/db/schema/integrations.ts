import { sql } from 'drizzle-orm';
import {
	boolean,
	check,
	customType,
	index,
	pgEnum,
	pgTable,
	text,
	timestamp,
	uuid
} from 'drizzle-orm/pg-core';
import { users } from './users';

/** Why a Zoom connection cannot make meetings until the practitioner reconnects. */
export const zoomProblem = pgEnum('zoom_problem', ['refresh_refused', 'meetings_failing']);

/**
 * A practitioner's Zoom connection. Both tokens are sealed (`crypto.ts`, AES-256-GCM with the
 * user id as associated data); the Zoom user id is kept in plain text so a deauthorization can find
 * the row. Zoom's display name and email are fetched when shown, never stored.
 */
export const zoomConnections = pgTable(
	'zoom_connections',
	{
		userId: uuid('user_id')
			.primaryKey()
			.references(() => users.id, { onDelete: 'cascade' }),
		zoomUserId: text('zoom_user_id').notNull(),
		accessToken: text('access_token').notNull(),
		refreshToken: text('refresh_token').notNull(),
		accessExpiresAt: timestamp('access_expires_at', { withTimezone: true }).notNull(),
		problem: zoomProblem('problem'),
		problemAt: timestamp('problem_at', { withTimezone: true }),
		connectedAt: timestamp('connected_at', { withTimezone: true }).notNull().defaultNow(),
		updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		index('zoom_connections_zoom_user_id_idx').on(t.zoomUserId),
		check('zoom_connections_problem_at', sql`(${t.problem} is null) = (${t.problemAt} is null)`)
	]
);

/** Where a session's or series date's Zoom meeting stands; null when it needs none. */
export const meetingState = pgEnum('meeting_state', ['pending', 'ready', 'failed']);

/** A Google account a user signs in with: the OpenID subject, never the Google password. */
export const googleIdentities = pgTable('google_identities', {
	userId: uuid('user_id')
		.primaryKey()
		.references(() => users.id, { onDelete: 'cascade' }),
	subject: text('subject').notNull().unique(),
	linkedAt: timestamp('linked_at', { withTimezone: true }).notNull().defaultNow()
});

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

/**
 * A profile picture, copied from Google at sign-in and served by the app, so no page asks a third
 * party for it.
 */
export const userPictures = pgTable(
	'user_pictures',
	{
		userId: uuid('user_id')
			.primaryKey()
			.references(() => users.id, { onDelete: 'cascade' }),
		contentType: text('content_type').notNull(),
		bytes: bytea('bytes').notNull(),
		updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		check(
			'user_pictures_content_type',
			sql`${t.contentType} in ('image/jpeg', 'image/png', 'image/webp', 'image/gif')`
		),
		check('user_pictures_size', sql`octet_length(${t.bytes}) <= 1048576`)
	]
);

/**
 * A Google sign-in that needs one more step before it makes or links an account: the age
 * confirmation of a new user, or the password of an existing account with the same email. Only the
 * SHA-256 of the cookie's secret is stored, as with auth sessions.
 */
export const googlePendingSignIns = pgTable(
	'google_pending_sign_ins',
	{
		id: text('id').primaryKey(),
		secretHash: text('secret_hash').notNull(),
		subject: text('subject').notNull(),
		email: text('email').notNull(),
		emailVerified: boolean('email_verified').notNull(),
		name: text('name').notNull(),
		pictureUrl: text('picture_url'),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		expiresAt: timestamp('expires_at', { withTimezone: true }).notNull()
	},
	(t) => [index('google_pending_sign_ins_expires_at_idx').on(t.expiresAt)]
);

export type ZoomConnection = typeof zoomConnections.$inferSelect;
export type MeetingState = (typeof meetingState.enumValues)[number];
