import { createHash } from 'node:crypto';
import { TRPCError } from '@trpc/server';
import { and, eq } from 'drizzle-orm';
import type Stripe from 'stripe';
import type { Db } from '../db';
import { stripeAccounts, stripeEvents, type StripeAccountRow } from '../db/schema';
import { paymentsConfigured, stripeApi } from './stripe';

/** The practitioner's connected Stripe account, if they connected one. */
export async function connectedAccount(db: Db, userId: string): Promise<StripeAccountRow | null> {
	const [row] = await db.select().from(stripeAccounts).where(eq(stripeAccounts.userId, userId));
	return row ?? null;
}

/** Why a practitioner cannot take payments now, or null when they can. */
export function paymentsBlocked(account: StripeAccountRow | null): string | null {
	if (!paymentsConfigured()) return 'Payments are not set up on this Sessionboard.';
	if (!account) return 'The practitioner has not connected a Stripe account.';
	if (!account.chargesEnabled) return 'The practitioner’s Stripe account cannot take payments yet.';
	return null;
}

/** What the Settings → Payments page shows: whether payments are possible and why not. */
export async function paymentsStatus(db: Db, userId: string) {
	const row = await connectedAccount(db, userId);
	return {
		configured: paymentsConfigured(),
		account: row && {
			accountId: row.accountId,
			chargesEnabled: row.chargesEnabled,
			detailsSubmitted: row.detailsSubmitted,
			requirementsDue: row.requirementsDue,
			disabledReason: row.disabledReason
		},
		paymentsBlocked: paymentsBlocked(row)
	};
}

export type PaymentsStatus = Awaited<ReturnType<typeof paymentsStatus>>;

/** The Stripe client, or a refusal the page can show when this server has no keys. */
function configuredStripe(): Stripe {
	const stripe = stripeApi();
	if (!stripe || !paymentsConfigured()) {
		throw new TRPCError({
			code: 'PRECONDITION_FAILED',
			message: 'Payments are not set up on this Sessionboard.'
		});
	}
	return stripe;
}

function notConnected(): TRPCError {
	return new TRPCError({
		code: 'PRECONDITION_FAILED',
		message: 'No Stripe account is connected.'
	});
}

/**
 * Copies Stripe's view of a connected account into our row, if we know the account; returns the
 * practitioner it belongs to. The one place the account's state is written.
 */
export async function storeAccountState(db: Db, account: Stripe.Account): Promise<string | null> {
	const [row] = await db
		.update(stripeAccounts)
		.set({
			chargesEnabled: account.charges_enabled ?? false,
			detailsSubmitted: account.details_submitted ?? false,
			requirementsDue: account.requirements?.currently_due ?? [],
			disabledReason: account.requirements?.disabled_reason ?? null,
			updatedAt: new Date()
		})
		.where(eq(stripeAccounts.accountId, account.id))
		.returning({ userId: stripeAccounts.userId });
	return row?.userId ?? null;
}

/**
 * The practitioner's new Standard account. Two clicks at once make one: the idempotency key is the
 * practitioner's (and their address's, the account's one parameter that can change), so Stripe
 * answers both with the same account. Stripe keeps a key for a day, so within it a practitioner who
 * connects again gets that account back; unless they removed our access to it since (a
 * deauthorization on record), then the next key makes another, as reproducibly.
 */
async function createAccount(db: Db, stripe: Stripe, user: { id: string; email: string }) {
	const address = createHash('sha256').update(user.email).digest('base64url').slice(0, 16);
	let idempotencyKey = `sessionboard-connect-${user.id}-${address}`;
	for (;;) {
		const account = await stripe.accounts.create(
			{ type: 'standard', email: user.email, metadata: { sessionboard_user_id: user.id } },
			{ idempotencyKey }
		);
		const [revoked] = await db
			.select({ id: stripeEvents.id })
			.from(stripeEvents)
			.where(
				and(
					eq(stripeEvents.accountId, account.id),
					eq(stripeEvents.type, 'account.application.deauthorized')
				)
			)
			.limit(1);
		if (!revoked) return account;
		idempotencyKey = `sessionboard-connect-${user.id}-after-${account.id}`;
	}
}

/**
 * Starts or continues onboarding: creates the practitioner's Standard account on first use, then
 * an Account Link to Stripe's hosted onboarding.
 */
export async function startOnboarding(
	db: Db,
	user: { id: string; email: string },
	origin: string
): Promise<{ url: string }> {
	const stripe = configuredStripe();
	let accountId = (await connectedAccount(db, user.id))?.accountId;
	if (!accountId) {
		const created = await createAccount(db, stripe, user);
		await db
			.insert(stripeAccounts)
			.values({ userId: user.id, accountId: created.id })
			.onConflictDoNothing();
		await storeAccountState(db, created);
		// The row that won, should another request have stored a different account first.
		accountId = (await connectedAccount(db, user.id))?.accountId;
		if (!accountId) throw notConnected();
	}
	const link = await stripe.accountLinks.create({
		account: accountId,
		type: 'account_onboarding',
		refresh_url: `${origin}/settings/payments/refresh`,
		return_url: `${origin}/settings/payments/return`
	});
	return { url: link.url };
}

/** Reads the practitioner's account from Stripe again and keeps what it says. */
export async function refreshAccount(db: Db, userId: string): Promise<void> {
	const stripe = configuredStripe();
	const row = await connectedAccount(db, userId);
	if (!row) throw notConnected();
	await storeAccountState(db, await stripe.accounts.retrieve(row.accountId));
}

/**
 * Forgets a connected account: the practitioner disconnected it, or removed our access in Stripe.
 * Series, subscribers and their Stripe ids stay; paid series stop taking signups
 * (`paymentsBlocked`). Returns what was forgotten, or null if there was nothing to forget.
 */
export async function forgetAccount(
	db: Db,
	which: { userId: string } | { accountId: string }
): Promise<{ userId: string; accountId: string } | null> {
	const [row] = await db
		.delete(stripeAccounts)
		.where(
			'userId' in which
				? eq(stripeAccounts.userId, which.userId)
				: eq(stripeAccounts.accountId, which.accountId)
		)
		.returning({ userId: stripeAccounts.userId, accountId: stripeAccounts.accountId });
	return row ?? null;
}
