import { createHash } from 'node:crypto';
import { TRPCError } from '@trpc/server';
import { and, eq, isNotNull, isNull } from 'drizzle-orm';
import type Stripe from 'stripe';
import type { Db } from '../db';
import { series, stripeAccounts, stripeRevokedAccounts, type StripeAccountRow } from '../db/schema';
import { publishToUser } from '../realtime/publish';
import { paymentsConfigured, stripeApi, stripeDestination, withStripe } from './stripe';

/** Other tabs of the practitioner show the account's new state. */
export const announcePayments = (userId: string) =>
	publishToUser(userId, 'practice:changed', { entity: 'payments', ids: [] });

/** The practitioner's connected Stripe account, if they connected one. */
export async function connectedAccount(db: Db, userId: string): Promise<StripeAccountRow | null> {
	const [row] = await db.select().from(stripeAccounts).where(eq(stripeAccounts.userId, userId));
	return row ?? null;
}

const NOT_CONFIGURED = 'Payments are not set up on this Sessionboard.';

/** Why a practitioner cannot take payments now, or null when they can. */
export function paymentsBlocked(account: StripeAccountRow | null): string | null {
	if (!paymentsConfigured()) return NOT_CONFIGURED;
	if (!account) return 'The practitioner has not connected a Stripe account.';
	if (account.disconnectedAt) return 'The practitioner has disconnected their Stripe account.';
	if (!account.chargesEnabled) return 'The practitioner’s Stripe account cannot take payments yet.';
	return null;
}

/** What the Settings → Payments page shows: whether payments are possible and why not. */
export async function paymentsStatus(db: Db, userId: string) {
	const row = await connectedAccount(db, userId);
	// A disconnected account is offered to be connected again, as if there were none.
	const connected = row && !row.disconnectedAt ? row : null;
	return {
		configured: paymentsConfigured(),
		account: connected && {
			accountId: connected.accountId,
			chargesEnabled: connected.chargesEnabled,
			detailsSubmitted: connected.detailsSubmitted,
			requirementsDue: connected.requirementsDue,
			disabledReason: connected.disabledReason
		},
		/** Connecting again continues with this account. */
		disconnected: Boolean(row?.disconnectedAt),
		paymentsBlocked: paymentsBlocked(row)
	};
}

export type PaymentsStatus = Awaited<ReturnType<typeof paymentsStatus>>;

/** Where a practitioner's Stripe objects live: their connected account. */
export type Merchant = { stripe: Stripe; stripeAccount: string };

export type Reach = { merchant: Merchant; blocked: null } | { merchant: null; blocked: string };

/**
 * Whether Sessionboard can act on the practitioner's account, and why not. New payments (and
 * onboarding) need an account connected now; what already runs on it (a subscription to end,
 * cancel or manage) only needs the account to be ours still, disconnected or not.
 */
export function merchantFor(
	account: StripeAccountRow | null,
	{ existing = false }: { existing?: boolean } = {}
): Reach {
	const stripe = stripeApi();
	if (!stripe || !paymentsConfigured()) {
		return {
			merchant: null,
			blocked: existing ? 'Payments are not set up on this Sessionboard any more.' : NOT_CONFIGURED
		};
	}
	const blocked = existing
		? account
			? null
			: 'The practitioner’s Stripe account is no longer connected to Sessionboard.'
		: paymentsBlocked(account);
	if (blocked || !account) return { merchant: null, blocked: blocked ?? NOT_CONFIGURED };
	return { merchant: { stripe, stripeAccount: account.accountId }, blocked: null };
}

/** The owner's connected account if payments work for them now (see `merchantFor`), else why not. */
export async function merchantOf(
	db: Db,
	ownerId: string,
	options?: { existing?: boolean }
): Promise<Reach> {
	return merchantFor(await connectedAccount(db, ownerId), options);
}

/** The Stripe client, or a refusal the page can show when this server has no keys. */
function configuredStripe(): Stripe {
	const stripe = stripeApi();
	if (!stripe || !paymentsConfigured()) {
		throw new TRPCError({ code: 'PRECONDITION_FAILED', message: NOT_CONFIGURED });
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
 * answers both with the same account. Stripe keeps a key for a day, so within it the same key
 * would give back an account whose access the practitioner removed since (on record in
 * `stripe_revoked_accounts`); then the next key makes another, as reproducibly.
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
			.select({ accountId: stripeRevokedAccounts.accountId })
			.from(stripeRevokedAccounts)
			.where(eq(stripeRevokedAccounts.accountId, account.id));
		if (!revoked) return account;
		idempotencyKey = `sessionboard-connect-${user.id}-after-${account.id}`;
	}
}

const CONNECT_UNCHANGED = 'nothing changed on Settings → Payments';

/**
 * Starts or continues onboarding: creates the practitioner's Standard account on first use, then
 * an Account Link to Stripe's hosted onboarding. An account disconnected here is connected again
 * (the platform never lost it), once Stripe gave the link.
 */
export async function startOnboarding(
	db: Db,
	user: { id: string; email: string },
	origin: string
): Promise<{ url: string }> {
	const stripe = configuredStripe();
	let accountId = (await connectedAccount(db, user.id))?.accountId;
	if (!accountId) {
		const created = await withStripe('make your Stripe account', CONNECT_UNCHANGED, () =>
			createAccount(db, stripe, user)
		);
		await db
			.insert(stripeAccounts)
			.values({ userId: user.id, accountId: created.id })
			.onConflictDoNothing();
		await storeAccountState(db, created);
		// The row that won, should another request have stored a different account first.
		accountId = (await connectedAccount(db, user.id))?.accountId;
		if (!accountId) throw notConnected();
	}
	const account = accountId;
	const link = await withStripe('open Stripe’s onboarding', CONNECT_UNCHANGED, () =>
		stripe.accountLinks.create({
			account,
			type: 'account_onboarding',
			refresh_url: `${origin}/settings/payments/refresh`,
			return_url: `${origin}/settings/payments/return`
		})
	);
	const url = stripeDestination(link.url);
	await db
		.update(stripeAccounts)
		.set({ disconnectedAt: null, updatedAt: new Date() })
		.where(and(eq(stripeAccounts.accountId, account), isNotNull(stripeAccounts.disconnectedAt)));
	return { url };
}

/** Reads the practitioner's account from Stripe again and keeps what it says. */
export async function refreshAccount(db: Db, userId: string): Promise<void> {
	const stripe = configuredStripe();
	const row = await connectedAccount(db, userId);
	if (!row || row.disconnectedAt) throw notConnected();
	await storeAccountState(
		db,
		await withStripe('read your Stripe account', CONNECT_UNCHANGED, () =>
			stripe.accounts.retrieve(row.accountId)
		)
	);
}

/**
 * The practitioner disconnects here: paid series stop taking signups (`paymentsBlocked`), while
 * the account stays on record for what already runs on it. Returns whether anything changed.
 */
export async function disconnectAccount(db: Db, userId: string): Promise<boolean> {
	const changed = await db
		.update(stripeAccounts)
		.set({ disconnectedAt: new Date(), updatedAt: new Date() })
		.where(and(eq(stripeAccounts.userId, userId), isNull(stripeAccounts.disconnectedAt)))
		.returning({ userId: stripeAccounts.userId });
	return changed.length > 0;
}

/**
 * The practitioner removed Sessionboard's access in Stripe: the account is forgotten and its
 * revocation kept, and the owner's series lose their Product and Price ids (they live on that
 * account, out of reach now), so the next publish or price change makes them on the next one.
 * Series, subscribers and their Stripe ids stay. Returns the owner, or null if it was not ours.
 */
export async function revokeAccount(db: Db, accountId: string): Promise<string | null> {
	await db.insert(stripeRevokedAccounts).values({ accountId }).onConflictDoNothing();
	const [row] = await db
		.delete(stripeAccounts)
		.where(eq(stripeAccounts.accountId, accountId))
		.returning({ userId: stripeAccounts.userId });
	if (!row) return null;
	await db
		.update(series)
		.set({ stripeProductId: null, stripePriceId: null })
		.where(eq(series.ownerId, row.userId));
	return row.userId;
}
