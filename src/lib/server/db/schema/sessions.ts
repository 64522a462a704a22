import { sql } from 'drizzle-orm';
import {
	check,
	date,
	index,
	integer,
	pgEnum,
	pgTable,
	text,
	time,
	timestamp,
	uniqueIndex,
	uuid
} from 'drizzle-orm/pg-core';
import { clients } from './clients';
import { meetingState } from './integrations';
import { users } from './users';

export const sessionStatus = pgEnum('session_status', [
	'scheduled',
	'completed',
	'cancelled',
	'late_cancelled',
	'no_show'
]);
export const paymentStatus = pgEnum('payment_status', ['unpaid', 'paid', 'waived']);
export const locationKind = pgEnum('location_kind', ['in_person', 'zoom', 'link', 'phone']);

/**
 * The Zoom meeting of a session or series date with location Zoom, made by the `zoom.meeting` job:
 * its id and join URL (plain text, as the privacy policy says), where it stands, and the times
 * Zoom was last told, so a moved date is sent once.
 */
export function zoomMeetingColumns() {
	return {
		meetingId: text('meeting_id'),
		joinUrl: text('join_url'),
		meetingState: meetingState('meeting_state'),
		/** Why the last attempt failed, in words for the practitioner; never Zoom's raw answer. */
		meetingError: text('meeting_error'),
		meetingStartsAt: timestamp('meeting_starts_at', { withTimezone: true }),
		meetingEndsAt: timestamp('meeting_ends_at', { withTimezone: true })
	};
}

/** How a repeating session was created: every N weeks at a local time, until a date or a count. */
export const sessionRecurrences = pgTable(
	'session_recurrences',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		ownerId: uuid('owner_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		intervalWeeks: integer('interval_weeks').notNull(),
		localStartTime: time('local_start_time').notNull(),
		timeZone: text('time_zone').notNull(),
		firstDate: date('first_date').notNull(),
		untilDate: date('until_date'),
		count: integer('count'),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		index('session_recurrences_owner_id_idx').on(t.ownerId),
		check('session_recurrences_interval', sql`${t.intervalWeeks} between 1 and 52`),
		check('session_recurrences_end', sql`(${t.untilDate} is null) <> (${t.count} is null)`)
	]
);

/**
 * A one-to-one practice session. Two sessions of one practitioner that still hold their slot may not
 * overlap: an exclusion constraint added in the migration enforces it in the database itself.
 */
export const sessions = pgTable(
	'sessions',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		ownerId: uuid('owner_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		clientId: uuid('client_id')
			.notNull()
			.references(() => clients.id, { onDelete: 'cascade' }),
		recurrenceId: uuid('recurrence_id').references(() => sessionRecurrences.id, {
			onDelete: 'set null'
		}),
		startsAt: timestamp('starts_at', { withTimezone: true }).notNull(),
		endsAt: timestamp('ends_at', { withTimezone: true }).notNull(),
		timeZone: text('time_zone').notNull(),
		locationKind: locationKind('location_kind').notNull().default('in_person'),
		locationDetail: text('location_detail').notNull().default(''),
		feeMinor: integer('fee_minor').notNull().default(0),
		currency: text('currency').notNull(),
		status: sessionStatus('status').notNull().default('scheduled'),
		paymentStatus: paymentStatus('payment_status').notNull().default('unpaid'),
		paidOn: date('paid_on'),
		/** When the practitioner pressed Start and Finish in session mode. */
		startedAt: timestamp('started_at', { withTimezone: true }),
		finishedAt: timestamp('finished_at', { withTimezone: true }),
		/**
		 * The event an .ics import made this session from: its UID, and for one date of a repeating
		 * event that date's RECURRENCE-ID (its original start), so a second import finds it.
		 */
		icalUid: text('ical_uid'),
		icalRecurrenceId: timestamp('ical_recurrence_id', { withTimezone: true }),
		...zoomMeetingColumns(),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		index('sessions_owner_starts_idx').on(t.ownerId, t.startsAt),
		index('sessions_client_starts_idx').on(t.clientId, t.startsAt),
		index('sessions_recurrence_id_idx').on(t.recurrenceId),
		uniqueIndex('sessions_owner_ical_key')
			.on(t.ownerId, t.icalUid, sql`coalesce(${t.icalRecurrenceId}, '-infinity')`)
			.where(sql`${t.icalUid} is not null`),
		// What clients owe (dashboard, billing): only unpaid billable rows, summed from the index alone.
		index('sessions_owner_unpaid_idx')
			.on(t.ownerId, t.currency, t.feeMinor)
			.where(
				sql`${t.paymentStatus} = 'unpaid' and ${t.status} in ('completed', 'late_cancelled', 'no_show') and ${t.feeMinor} <> 0`
			),
		check('sessions_ends_after_start', sql`${t.endsAt} > ${t.startsAt}`),
		check('sessions_fee_not_negative', sql`${t.feeMinor} >= 0`),
		check('sessions_currency_code', sql`${t.currency} ~ '^[A-Z]{3}$'`),
		check(
			'sessions_paid_on_when_paid',
			sql`(${t.paymentStatus} = 'paid') = (${t.paidOn} is not null)`
		)
	]
);

export type SessionRow = typeof sessions.$inferSelect;
export type SessionStatus = SessionRow['status'];
export type PaymentStatus = SessionRow['paymentStatus'];
export type LocationKind = SessionRow['locationKind'];
