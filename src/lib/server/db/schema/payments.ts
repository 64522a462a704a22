import { sql } from 'drizzle-orm';
import { boolean, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from './users';

/**
 * A practitioner's own Stripe account (Connect): they are the merchant of record, and their
 * subscribers pay them directly. Its state is Stripe's, copied from `account.updated`.
 */
export const stripeAccounts = pgTable('stripe_accounts', {
	userId: uuid('user_id')
		.primaryKey()
		.references(() => users.id, { onDelete: 'cascade' }),
	accountId: text('account_id').notNull().unique(),
	chargesEnabled: boolean('charges_enabled').notNull().default(false),
	detailsSubmitted: boolean('details_submitted').notNull().default(false),
	/** What Stripe still needs from the practitioner (`requirements.currently_due`). */
	requirementsDue: text('requirements_due')
		.array()
		.notNull()
		.default(sql`'{}'::text[]`),
	/** Why Stripe disabled the account, when it did (`requirements.disabled_reason`). */
	disabledReason: text('disabled_reason'),
	/**
	 * When the practitioner disconnected it here. The platform still controls an account it made,
	 * so the row stays: existing subscriptions are still ended and cancelled on it, and connecting
	 * again continues with it. Only Stripe's deauthorization forgets the row.
	 */
	disconnectedAt: timestamp('disconnected_at', { withTimezone: true }),
	createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
	updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
});

/**
 * Accounts whose access the practitioner removed in Stripe (`account.application.deauthorized`):
 * Stripe's idempotency would hand such an account back to a practitioner connecting again within
 * a day, and this is how that answer is recognised.
 */
export const stripeRevokedAccounts = pgTable('stripe_revoked_accounts', {
	accountId: text('account_id').primaryKey(),
	revokedAt: timestamp('revoked_at', { withTimezone: true }).notNull().defaultNow()
});

/**
 * Every Stripe event whose effects were applied, written in the same transaction as they were:
 * a replayed event finds its id here and changes nothing.
 */
export const stripeEvents = pgTable('stripe_events', {
	id: text('id').primaryKey(),
	type: text('type').notNull(),
	/** The connected account it came from; null for the platform's own events. */
	accountId: text('account_id'),
	processedAt: timestamp('processed_at', { withTimezone: true }).notNull().defaultNow()
});

export type StripeAccountRow = typeof stripeAccounts.$inferSelect;
