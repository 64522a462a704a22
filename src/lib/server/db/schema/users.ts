import { sql } from 'drizzle-orm';
import type { Locale } from '../../../format';
import {
	boolean,
	check,
	pgTable,
	smallint,
	text,
	timestamp,
	uniqueIndex,
	uuid
} from 'drizzle-orm/pg-core';

export const users = pgTable(
	'users',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		/** Stored lower-cased and trimmed; the unique index makes one account per address. */
		email: text('email').notNull(),
		name: text('name').notNull(),
		passwordHash: text('password_hash'),
		emailVerifiedAt: timestamp('email_verified_at', { withTimezone: true }),
		/** When the person confirmed they are 16 or older at sign-up. */
		ageConfirmedAt: timestamp('age_confirmed_at', { withTimezone: true }).notNull(),
		timeZone: text('time_zone').notNull().default('UTC'),
		/** ISO 4217 code new sessions are priced in. */
		currency: text('currency').notNull().default('EUR'),
		/** BCP 47 locale dates and times are written in, on pages and in subscriber emails. */
		locale: text('locale').$type<Locale>().notNull().default('en-GB'),
		/** `locale` (as the locale writes times), `12` or `24`. */
		clock: text('clock', { enum: ['locale', '12', '24'] })
			.notNull()
			.default('locale'),
		/** `system` follows the device's light or dark setting. */
		colorScheme: text('color_scheme', { enum: ['system', 'light', 'dark'] })
			.notNull()
			.default('system'),
		/** The calendar's working hours, in minutes after local midnight: the grid shows these first. */
		dayStartsAt: smallint('day_starts_at').notNull().default(480),
		dayEndsAt: smallint('day_ends_at').notNull().default(1200),
		/** The practitioner's picture is shown to visitors of their signup pages only when they say so. */
		pictureOnPublicPages: boolean('picture_on_public_pages').notNull().default(false),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		uniqueIndex('users_email_key').on(sql`lower(${t.email})`),
		check('users_clock_check', sql`${t.clock} in ('locale', '12', '24')`),
		check('users_color_scheme_check', sql`${t.colorScheme} in ('system', 'light', 'dark')`),
		check(
			'users_working_hours_check',
			sql`0 <= ${t.dayStartsAt} and ${t.dayStartsAt} < ${t.dayEndsAt} and ${t.dayEndsAt} <= 1440`
		)
	]
);

export type User = typeof users.$inferSelect;
