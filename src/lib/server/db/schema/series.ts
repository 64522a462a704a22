import { sql } from 'drizzle-orm';
import {
	bigint,
	check,
	date,
	index,
	integer,
	pgEnum,
	pgSequence,
	pgTable,
	text,
	time,
	timestamp,
	uniqueIndex,
	uuid
} from 'drizzle-orm/pg-core';
import { zoomMeetingColumns } from './sessions';
import { users } from './users';

export const seriesStatus = pgEnum('series_status', ['draft', 'published', 'archived']);
export const seriesLocationKind = pgEnum('series_location_kind', ['in_person', 'online', 'zoom']);
export const occurrenceStatus = pgEnum('occurrence_status', ['scheduled', 'cancelled']);
export const subscriberStatus = pgEnum('subscriber_status', [
	'pending',
	/** A place kept for them while they pay (Checkout open, or a waitlist offer): see holdUntil. */
	'held',
	'active',
	'waitlisted',
	'left'
]);
/** Those who take one of a series' places: people in, and those it is kept for while they pay. */
export const TAKING_A_PLACE = ['active', 'held'] as const satisfies SubscriberRow['status'][];
export const billingInterval = pgEnum('billing_interval', ['month', 'four_weeks']);
/** Where a paying subscriber's Stripe subscription stands; null on free series. */
export const subscriberPayment = pgEnum('subscriber_payment', ['paid', 'past_due', 'canceled']);

/** A recurring group offering: weekly on chosen weekdays at a local time in its own zone. */
export const series = pgTable(
	'series',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		ownerId: uuid('owner_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		/** The public address /s/<slug>: unique across the whole app. */
		slug: text('slug').notNull().unique(),
		title: text('title').notNull(),
		description: text('description').notNull().default(''),
		timeZone: text('time_zone').notNull(),
		/** ISO weekdays, 1 = Monday … 7 = Sunday. */
		weekdays: integer('weekdays').array().notNull(),
		localStartTime: time('local_start_time').notNull(),
		startDate: date('start_date').notNull(),
		endDate: date('end_date'),
		occurrenceCount: integer('occurrence_count'),
		durationMinutes: integer('duration_minutes').notNull(),
		capacity: integer('capacity').notNull(),
		locationKind: seriesLocationKind('location_kind').notNull(),
		locationDetail: text('location_detail').notNull().default(''),
		/** Minutes before each occurrence at which subscribers get a reminder. */
		reminderOffsets: integer('reminder_offsets')
			.array()
			.notNull()
			.default(sql`'{1440,60}'::integer[]`),
		status: seriesStatus('status').notNull().default('draft'),
		/** Paid series: a price in minor units per interval, in an ISO currency (upper-case, as on sessions); null while free. */
		priceMinor: integer('price_minor'),
		currency: text('currency'),
		billingInterval: billingInterval('billing_interval'),
		/** Made on the practitioner's Stripe account when published; a new price replaces the Price. */
		stripeProductId: text('stripe_product_id'),
		stripePriceId: text('stripe_price_id'),
		/** Occurrences exist up to this local date; a scheduled job moves it forward. */
		materializedUntil: date('materialized_until'),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		index('series_owner_id_idx').on(t.ownerId),
		check(
			'series_slug_format',
			sql`${t.slug} ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(${t.slug}) between 3 and 60`
		),
		check('series_capacity_positive', sql`${t.capacity} > 0`),
		check('series_duration', sql`${t.durationMinutes} between 5 and 720`),
		check(
			'series_weekdays',
			sql`cardinality(${t.weekdays}) > 0 and ${t.weekdays} <@ '{1,2,3,4,5,6,7}'::integer[]`
		),
		check('series_one_end', sql`${t.endDate} is null or ${t.occurrenceCount} is null`),
		check(
			'series_price',
			sql`(${t.priceMinor} is null and ${t.currency} is null and ${t.billingInterval} is null) or (${t.priceMinor} > 0 and ${t.currency} ~ '^[A-Z]{3}$' and ${t.billingInterval} is not null)`
		)
	]
);

/** One date of a series. Moving it keeps `originalStartsAt`, so expansion never recreates it. */
export const seriesOccurrences = pgTable(
	'series_occurrences',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		seriesId: uuid('series_id')
			.notNull()
			.references(() => series.id, { onDelete: 'cascade' }),
		ownerId: uuid('owner_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		originalStartsAt: timestamp('original_starts_at', { withTimezone: true }).notNull(),
		startsAt: timestamp('starts_at', { withTimezone: true }).notNull(),
		endsAt: timestamp('ends_at', { withTimezone: true }).notNull(),
		status: occurrenceStatus('status').notNull().default('scheduled'),
		/** One Zoom meeting per date of a Zoom series. */
		...zoomMeetingColumns(),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		uniqueIndex('series_occurrences_series_original_key').on(t.seriesId, t.originalStartsAt),
		index('series_occurrences_series_starts_idx').on(t.seriesId, t.startsAt),
		index('series_occurrences_owner_starts_idx').on(t.ownerId, t.startsAt),
		check('series_occurrences_ends_after_start', sql`${t.endsAt} > ${t.startsAt}`)
	]
);

/** Gives every admission (active or waitlisted) its place in arrival order. */
export const subscriberArrival = pgSequence('subscriber_arrival_seq');

/** A person who signed up on the public page. Name, email and optional phone: nothing else. */
export const subscribers = pgTable(
	'subscribers',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		seriesId: uuid('series_id')
			.notNull()
			.references(() => series.id, { onDelete: 'cascade' }),
		ownerId: uuid('owner_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		name: text('name').notNull(),
		email: text('email').notNull(),
		phone: text('phone'),
		status: subscriberStatus('status').notNull().default('pending'),
		/** Set under the series' row lock when admitted: the waitlist is served in this order. */
		arrival: bigint('arrival', { mode: 'number' }),
		consentedAt: timestamp('consented_at', { withTimezone: true }).notNull(),
		confirmedAt: timestamp('confirmed_at', { withTimezone: true }),
		/** One-click unsubscribe from emails; they stay in the series. */
		unsubscribedAt: timestamp('unsubscribed_at', { withTimezone: true }),
		leftAt: timestamp('left_at', { withTimezone: true }),
		/** While `held`: the place is theirs until then, unless they pay. */
		holdUntil: timestamp('hold_until', { withTimezone: true }),
		/** When the clock last found this lapsed hold not yet settled at Stripe: it waits its turn. */
		holdCheckedAt: timestamp('hold_checked_at', { withTimezone: true }),
		payment: subscriberPayment('payment'),
		stripeCustomerId: text('stripe_customer_id'),
		stripeSubscriptionId: text('stripe_subscription_id').unique(),
		checkoutSessionId: text('checkout_session_id').unique(),
		/** The end of the period paid for, and when a subscription set to end does end. */
		paidUntil: timestamp('paid_until', { withTimezone: true }),
		cancelAt: timestamp('cancel_at', { withTimezone: true }),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		// Emails are stored lower-cased (the signup schema does it), so a plain unique key suffices.
		uniqueIndex('subscribers_series_email_key').on(t.seriesId, t.email),
		index('subscribers_series_status_arrival_idx').on(t.seriesId, t.status, t.arrival),
		index('subscribers_owner_id_idx').on(t.ownerId),
		index('subscribers_hold_until_idx')
			.on(t.holdUntil)
			.where(sql`${t.holdUntil} is not null`)
	]
);

export type SeriesRow = typeof series.$inferSelect;
export type OccurrenceRow = typeof seriesOccurrences.$inferSelect;
export type SubscriberRow = typeof subscribers.$inferSelect;
