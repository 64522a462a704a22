import { createHash } from 'node:crypto';
import { TRPCError } from '@trpc/server';
import { and, eq, isNotNull, isNull, ne, or, type SQL } from 'drizzle-orm';
import Stripe from 'stripe';
import type { PaymentColumns } from '../../payment-standing';
import type { Db } from '../db';
import {
	stripeAccounts,
	subscribers,
	type StripeAccountRow,
	type SubscriberRow
} from '../db/schema';
import { inParallel } from '../in-parallel';
import { notFound } from '../practice-errors';
import { verifyLink } from '../signed-links';
import { merchantFor } from './accounts';
import { paymentsConfigured, stripeDestination, withStripe } from './stripe';

/**
 * What subscribers and practitioners do to a subscription from Sessionboard: open Stripe's
 * customer portal, end it (at the end of the paid period, or at once before a removal or an
 * account deletion), or keep it after all. Every call goes to the series owner's connected
 * account. Our row is not written here: it follows Stripe's webhooks (subscription-events.ts).
 */

type Subscribed = { subscriber: SubscriberRow; account: StripeAccountRow | null };

async function subscribedWhere(db: Db, where: SQL | undefined): Promise<Subscribed | null> {
	const [row] = await db
		.select({ subscriber: subscribers, account: stripeAccounts })
		.from(subscribers)
		.leftJoin(stripeAccounts, eq(stripeAccounts.userId, subscribers.ownerId))
		.where(where);
	return row ?? null;
}

/** The subscriber behind a manage link. */
async function subscribedByLink(db: Db, token: string): Promise<Subscribed> {
	const id = await verifyLink(db, 'manage', token);
	if (!id) throw new TRPCError({ code: 'BAD_REQUEST', message: 'This link is not valid.' });
	const found = await subscribedWhere(db, eq(subscribers.id, id));
	if (!found) throw notFound('subscription');
	return found;
}

/** A subscriber of the practitioner's, as if nobody else's existed. */
async function subscribedOfOwner(db: Db, ownerId: string, id: string): Promise<Subscribed> {
	const found = await subscribedWhere(
		db,
		and(eq(subscribers.id, id), eq(subscribers.ownerId, ownerId))
	);
	if (!found) throw notFound('subscriber');
	return found;
}

/** The subscriber has a place (or one held for them) that a subscription pays for. */
const holdsPlace = (subscriber: SubscriberRow) =>
	subscriber.status === 'active' || subscriber.status === 'held';

/** Stripe may still charge it: a subscription not known to have ended. */
const running = (subscriber: SubscriberRow) =>
	subscriber.stripeSubscriptionId !== null && subscriber.payment !== 'canceled';

type Reached = {
	stripe: Stripe;
	subscriptionId: string;
	customerId: string | null;
	options: { stripeAccount: string };
};

/** Why the subscription lives only in the practitioner's Stripe dashboard now, or null. */
const unreachable = (account: StripeAccountRow | null) =>
	merchantFor(account, { existing: true }).blocked;

function reach({ subscriber, account }: Subscribed): Reached {
	if (!subscriber.stripeSubscriptionId) {
		throw new TRPCError({ code: 'BAD_REQUEST', message: 'There is no subscription to change.' });
	}
	const { merchant, blocked } = merchantFor(account, { existing: true });
	if (!merchant) {
		throw new TRPCError({
			code: 'PRECONDITION_FAILED',
			message: `${blocked} The subscription can only be changed in the practitioner’s Stripe dashboard.`
		});
	}
	return {
		stripe: merchant.stripe,
		subscriptionId: subscriber.stripeSubscriptionId,
		customerId: subscriber.stripeCustomerId,
		options: { stripeAccount: merchant.stripeAccount }
	};
}

const ENDED: ReadonlySet<Stripe.Subscription.Status> = new Set(['canceled', 'incomplete_expired']);

/**
 * A subscription as Stripe answered, in our row's terms. In this API version the paid period
 * is the item's, not the subscription's.
 */
export function paymentOfSubscription(subscription: Stripe.Subscription): PaymentColumns {
	const periodEnd = subscription.items.data[0]?.current_period_end ?? null;
	const ended = ENDED.has(subscription.status);
	const endsAt = subscription.cancel_at ?? (subscription.cancel_at_period_end ? periodEnd : null);
	const payment = ended
		? 'canceled'
		: subscription.status === 'past_due' || subscription.status === 'unpaid'
			? 'past_due'
			: subscription.status === 'active' || subscription.status === 'trialing'
				? 'paid'
				: null;
	return {
		payment,
		paidUntil: periodEnd === null ? null : new Date(periodEnd * 1000),
		cancelAt: !ended && endsAt !== null ? new Date(endsAt * 1000) : null
	};
}

/** Sets whether the subscription ends with its paid period, and says where it then stands. */
async function setEndAtPeriodEnd(reached: Reached, end: boolean): Promise<PaymentColumns> {
	const answer = await withStripe(
		end ? 'end the subscription' : 'keep the subscription',
		'nothing was changed',
		() =>
			reached.stripe.subscriptions.update(
				reached.subscriptionId,
				{ cancel_at_period_end: end },
				reached.options
			)
	);
	return paymentOfSubscription(answer);
}

/** Ends the subscription now; one that Stripe has already ended (or never had) is done too. */
async function endNow(reached: Reached, doing: string, unchanged: string): Promise<void> {
	await withStripe(doing, unchanged, async () => {
		const { stripe, subscriptionId, options } = reached;
		try {
			await stripe.subscriptions.cancel(subscriptionId, {}, options);
		} catch (error) {
			if (!(error instanceof Stripe.errors.StripeInvalidRequestError)) throw error;
			if (error.code === 'resource_missing') return;
			const current = await stripe.subscriptions.retrieve(subscriptionId, {}, options);
			if (!ENDED.has(current.status)) throw error;
		}
	});
}

export type SubscriptionView = PaymentColumns & {
	/** Why the buttons are not offered: the subscription is out of Sessionboard's reach. */
	unavailable: string | null;
};

/** The manage page's view of the subscriber's subscription; null without one. */
export async function subscriptionByLink(db: Db, token: string): Promise<SubscriptionView | null> {
	const { subscriber, account } = await subscribedByLink(db, token);
	if (!subscriber.stripeSubscriptionId) return null;
	return {
		payment: subscriber.payment,
		paidUntil: subscriber.paidUntil,
		cancelAt: subscriber.cancelAt,
		unavailable: unreachable(account)
	};
}

/** Stripe's customer portal for the subscriber (card, invoices), coming back to `returnUrl`. */
export async function portalByLink(db: Db, token: string, returnUrl: string): Promise<string> {
	const found = await subscribedByLink(db, token);
	const reached = reach(found);
	if (!reached.customerId) {
		throw new TRPCError({ code: 'BAD_REQUEST', message: 'There is no payment to manage yet.' });
	}
	const customer = reached.customerId;
	const minute = new Date().toISOString().slice(0, 16);
	// The return address is a parameter too: a key sent again must carry the same ones.
	const back = createHash('sha256').update(returnUrl).digest('base64url').slice(0, 16);
	const session = await withStripe('open the payment page', 'nothing was changed', () =>
		reached.stripe.billingPortal.sessions.create(
			{ customer, return_url: returnUrl },
			// A double click within the minute gets the same page.
			{
				...reached.options,
				idempotencyKey: `billing-portal:${found.subscriber.id}:${back}:${minute}`
			}
		)
	);
	return stripeDestination(session.url);
}

/**
 * The subscriber ends their subscription with the paid period, or keeps it after all. Only while
 * they have their place: one who left gave it away, and must not pay for it again.
 */
export async function setEndByLink(db: Db, token: string, end: boolean): Promise<PaymentColumns> {
	const found = await subscribedByLink(db, token);
	if (!end && !holdsPlace(found.subscriber)) {
		throw new TRPCError({
			code: 'BAD_REQUEST',
			message: 'You have left this series, so your subscription cannot be kept.'
		});
	}
	return setEndAtPeriodEnd(reach(found), end);
}

/**
 * The practitioner ends a subscriber's subscription with the period they paid for. A subscriber
 * without one has nothing to end: null.
 */
export async function endForOwner(
	db: Db,
	ownerId: string,
	subscriberId: string
): Promise<PaymentColumns | null> {
	const found = await subscribedOfOwner(db, ownerId, subscriberId);
	if (!found.subscriber.stripeSubscriptionId) return null;
	return setEndAtPeriodEnd(reach(found), true);
}

/**
 * Before a subscriber leaves: a running subscription ends with its paid period, so they are not
 * charged again. One out of Sessionboard's reach is left to the practitioner's dashboard, as the
 * manage page says.
 */
export async function endBeforeLeaving(db: Db, token: string): Promise<void> {
	const found = await subscribedByLink(db, token);
	if (!running(found.subscriber) || found.subscriber.cancelAt) return;
	if (unreachable(found.account)) return;
	await setEndAtPeriodEnd(reach(found), true);
}

/**
 * Before the practitioner removes a subscriber: a running subscription ends now, so nobody pays
 * for a place they no longer have. When Stripe refuses, this throws and nothing is removed.
 */
export async function endBeforeRemoval(db: Db, ownerId: string, subscriberId: string) {
	const found = await subscribedOfOwner(db, ownerId, subscriberId);
	if (!running(found.subscriber) || unreachable(found.account)) return;
	await endNow(reach(found), 'cancel their subscription', 'nobody was removed');
}

/** Calls to Stripe at once while many subscriptions are ended. */
const CANCEL_CONCURRENCY = 8;

/** Subscriptions still running on Stripe among `which` subscribers, each with its account. */
function runningSubscriptions(db: Db, which: SQL | undefined) {
	return db
		.select({ subscriber: subscribers, account: stripeAccounts })
		.from(subscribers)
		.innerJoin(stripeAccounts, eq(stripeAccounts.userId, subscribers.ownerId))
		.where(
			and(
				which,
				isNotNull(subscribers.stripeSubscriptionId),
				or(isNull(subscribers.payment), ne(subscribers.payment, 'canceled'))
			)
		);
}

/**
 * Account deletion: every running subscription of the account's subscribers ends at once. Called
 * before the deletion's transaction, never in it: the webhooks Stripe sends back would wait on
 * its locks. Stripe out of reach stops the deletion with nothing deleted.
 */
export async function endAccountSubscriptions(db: Db, userId: string): Promise<void> {
	if (!paymentsConfigured()) return;
	const found = await runningSubscriptions(db, eq(subscribers.ownerId, userId));
	await inParallel(found, CANCEL_CONCURRENCY, (row) =>
		endNow(reach(row), 'cancel your subscribers’ subscriptions', 'your account was not deleted')
	);
}

/**
 * A series that ends takes its subscribers' payments with it: deleted, they end at once (the
 * places are gone); archived, at the end of the period already paid for. Called before the
 * change is written, outside any transaction; Stripe out of reach stops the change.
 */
export async function endSeriesSubscriptions(
	db: Db,
	ownerId: string,
	seriesId: string,
	when: 'now' | 'period end'
): Promise<void> {
	if (!paymentsConfigured()) return;
	const found = await runningSubscriptions(
		db,
		and(eq(subscribers.ownerId, ownerId), eq(subscribers.seriesId, seriesId))
	);
	await inParallel(found, CANCEL_CONCURRENCY, async (row) => {
		if (when === 'now') {
			await endNow(
				reach(row),
				'cancel the subscriptions of its subscribers',
				'the series was not deleted'
			);
		} else if (!row.subscriber.cancelAt) {
			await setEndAtPeriodEnd(reach(row), true);
		}
	});
}
