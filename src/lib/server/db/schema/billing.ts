import { sql } from 'drizzle-orm';
import { boolean, check, integer, pgTable, timestamp, uuid } from 'drizzle-orm/pg-core';
import { sessions } from './sessions';
import { users } from './users';

/**
 * What a no-show and a late cancellation cost, as a percentage of the session's fee (100 is the
 * full fee, 0 nothing). A practitioner without a row has the default: both at the full fee and no
 * late-cancel window, which is how sessions were billed before there was a policy.
 */
export const cancellationPolicies = pgTable(
	'cancellation_policies',
	{
		ownerId: uuid('owner_id')
			.primaryKey()
			.references(() => users.id, { onDelete: 'cascade' }),
		noShowPercent: integer('no_show_percent').notNull().default(100),
		lateCancelPercent: integer('late_cancel_percent').notNull().default(100),
		/** A cancellation this many hours or less before the start is late; 0: none is. */
		lateCancelWindowHours: integer('late_cancel_window_hours').notNull().default(0),
		updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		check('cancellation_policies_no_show_percent', sql`${t.noShowPercent} between 0 and 100`),
		check(
			'cancellation_policies_late_cancel_percent',
			sql`${t.lateCancelPercent} between 0 and 100`
		),
		check('cancellation_policies_window', sql`${t.lateCancelWindowHours} between 0 and 720`)
	]
);

/**
 * The charge of a no-show or late-cancelled session: `sessions.fee_minor` is what is billed, and
 * this row keeps the session's full fee (in the session's currency) to restore when the status
 * goes back, and the percentage billed. Every session set to one of those statuses gets a row; one
 * without (marked before there were policies) is billed its fee in full.
 */
export const sessionCharges = pgTable(
	'session_charges',
	{
		sessionId: uuid('session_id')
			.primaryKey()
			.references(() => sessions.id, { onDelete: 'cascade' }),
		listFeeMinor: integer('list_fee_minor').notNull(),
		percent: integer('percent').notNull(),
		/** Chosen on the session page rather than taken from the policy. */
		setForSession: boolean('set_for_session').notNull().default(false)
	},
	(t) => [
		check('session_charges_list_fee_not_negative', sql`${t.listFeeMinor} >= 0`),
		check('session_charges_percent', sql`${t.percent} between 0 and 100`)
	]
);

export type CancellationPolicy = typeof cancellationPolicies.$inferSelect;
export type SessionCharge = typeof sessionCharges.$inferSelect;
