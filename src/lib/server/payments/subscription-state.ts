import { appOrigin } from '../config';
import type Stripe from 'stripe';
import { eq } from 'drizzle-orm';
import type { Db } from '../db';
import { series, subscribers, users, type SeriesRow, type SubscriberRow } from '../db/schema';
import { queueEmail } from '../email/deliveries';
import type { SubscriberEmailPurpose } from '../email/purposes';
import {
	announceCommitted,
	lockSeries,
	nextArrivals,
	placesLeft,
	priceText,
	promoteNext,
	subscriberEmail,
	subscriberLinks,
	takenCount,
	upcoming,
	welcomeEmail,
	type Mail
} from '../subscribers/service';
import { reportUnexpected } from '../unexpected';
import { connectedAccount } from './accounts';
import { holdMarker, releaseHoldIn } from './checkout';
import { unlessMissing } from './stripe';
import { paymentOfSubscription } from './subscriptions';

// A subscriber's place derived from their Stripe subscription (and Checkout session), as the
// subscription webhooks find it; refused payments are cancelled and their payers told.

/** What a webhook handler gives the derivation: Stripe, and a way to announce after commit. */
export type SubscriptionEffects = {
	stripe: Stripe;
	afterCommit: (effect: () => void) => void;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The subscriber a subscription is for, when the account it came from is their practitioner's. */
async function subscriberOf(tx: Db, accountId: string, subscriberId: string | undefined | null) {
	if (!subscriberId || !UUID.test(subscriberId)) return null;
	const [found] = await tx
		.select({ seriesId: subscribers.seriesId, ownerId: subscribers.ownerId })
		.from(subscribers)
		.where(eq(subscribers.id, subscriberId));
	if (!found) return null;
	// Metadata is only as good as the account it came from: the practitioner's own.
	const account = await connectedAccount(tx, found.ownerId);
	return account?.accountId === accountId ? found : null;
}

/** Whether a subscription was opened for the place kept for this subscriber now (or last). */
const forHold = (subscription: Stripe.Subscription, subscriber: SubscriberRow) =>
	subscriber.arrival !== null && subscription.metadata?.hold === holdMarker(subscriber);

/**
 * A running subscription of this account for a subscriber who is gone (removed by their
 * practitioner): nobody's place, so it ends at once rather than charging a deleted person.
 */
async function endOrphan(
	tx: Db,
	stripe: Stripe,
	accountId: string,
	subscription: Stripe.Subscription
) {
	const { subscriber_id: subscriberId, series_id: seriesId } = subscription.metadata ?? {};
	if (!subscriberId || !seriesId || !UUID.test(subscriberId) || !UUID.test(seriesId)) return;
	if (subscription.status === 'canceled' || subscription.status === 'incomplete_expired') return;
	const [still] = await tx
		.select({ id: subscribers.id })
		.from(subscribers)
		.where(eq(subscribers.id, subscriberId));
	if (still) return;
	const [row] = await tx
		.select({ ownerId: series.ownerId })
		.from(series)
		.where(eq(series.id, seriesId));
	if (!row || (await connectedAccount(tx, row.ownerId))?.accountId !== accountId) return;
	await cancelAtOnce(stripe, accountId, subscription.id);
}

/** Ends a subscription now: nothing more is charged. */
function cancelAtOnce(stripe: Stripe, accountId: string, subscriptionId: string) {
	return stripe.subscriptions.cancel(
		subscriptionId,
		{},
		{ stripeAccount: accountId, idempotencyKey: `late-cancel:${subscriptionId}` }
	);
}

/**
 * Ends a refused subscription once the transaction committed, outside the series' lock. Should
 * Stripe fail, it is logged, and the subscription's next event refuses it again.
 */
function cancelAfterCommit(
	{ stripe, afterCommit }: SubscriptionEffects,
	accountId: string,
	subscriptionId: string
) {
	afterCommit(() => {
		cancelAtOnce(stripe, accountId, subscriptionId).catch((error: unknown) =>
			reportUnexpected(error, `Cancelling the refused subscription ${subscriptionId}`)
		);
	});
}

/**
 * A second subscription for a place already paid by another (two Checkouts paid): it ends at
 * once, and the subscriber is told to ask for the double payment back.
 */
async function refuseSecondSubscription(
	tx: Db,
	effects: SubscriptionEffects,
	accountId: string,
	row: SeriesRow,
	subscriber: SubscriberRow,
	subscription: Stripe.Subscription
) {
	cancelAfterCommit(effects, accountId, subscription.id);
	const origin = appOrigin();
	const [practitioner] = await tx
		.select({ name: users.name })
		.from(users)
		.where(eq(users.id, row.ownerId));
	await queueSubscriptionEmail(tx, origin, row, subscriber, 'charged-twice', subscription.id, {
		subject: `You were charged twice: ${row.title}`,
		paragraphs: [
			`Your place in “${row.title}” was paid for twice. We cancelled the second subscription at once: it will not be charged again, and your place stays as it is.`,
			`For the second payment, please ask ${practitioner?.name ?? 'your practitioner'} for a refund.`
		]
	});
}

/**
 * Queues an email about a subscription, once: its key names the purpose, the subscriber and
 * what it is about (a subscription, an invoice).
 */
async function queueSubscriptionEmail(
	tx: Db,
	origin: string,
	row: SeriesRow,
	subscriber: SubscriberRow,
	purpose: SubscriberEmailPurpose,
	about: string,
	mail: Mail
) {
	const key = `${purpose}:${subscriber.id}:${about}`;
	await queueEmail(tx, await subscriberEmail(tx, origin, key, purpose, subscriber, row, mail));
}

/**
 * The one derivation of a subscriber from their Stripe subscription, as Stripe has it now: every
 * subscription webhook re-reads the subscription and calls this, so the order events arrive in
 * changes nothing. Under the series' row lock:
 * - active / trialing: in and paid (welcomed once); past_due / unpaid: in, payment past due;
 * - canceled / incomplete_expired: out, and the place passed on;
 * - incomplete: the place stays kept while the first payment is confirmed.
 * A subscription that became active after its hold was released, on a series now full, is
 * cancelled at once and its subscriber told. Returns the subscriber as it now stands, or null when
 * the subscription is none of ours (another account, another subscription of theirs).
 */
export async function applySubscription(
	tx: Db,
	accountId: string,
	subscription: Stripe.Subscription,
	{ stripe, afterCommit }: SubscriptionEffects
): Promise<SubscriberRow | null> {
	const found = await subscriberOf(tx, accountId, subscription.metadata?.subscriber_id);
	if (!found) {
		await endOrphan(tx, stripe, accountId, subscription);
		return null;
	}
	const subscriberId = subscription.metadata.subscriber_id!;
	const row = await lockSeries(tx, found.seriesId);
	const [current] = await tx.select().from(subscribers).where(eq(subscribers.id, subscriberId));
	const ours = current!.stripeSubscriptionId === subscription.id;
	// The payment for the place kept for them (or released unpaid): an older subscription, say
	// one ending after they left, never takes over a newer hold.
	const claims = ours || forHold(subscription, current!);
	const placed = current!.status === 'active' || current!.status === 'held';
	const { payment, paidUntil, cancelAt } = paymentOfSubscription(subscription);
	const billing = {
		stripeCustomerId:
			typeof subscription.customer === 'string' ? subscription.customer : subscription.customer.id,
		stripeSubscriptionId: subscription.id,
		paidUntil,
		cancelAt,
		updatedAt: new Date()
	};
	const origin = appOrigin();
	const set = async (values: Partial<SubscriberRow>) => {
		const [updated] = await tx
			.update(subscribers)
			.set({ ...billing, ...values })
			.where(eq(subscribers.id, subscriberId))
			.returning();
		return updated!;
	};
	let result: SubscriberRow | null = null;
	if (payment === 'paid' || payment === 'past_due') {
		if (!placed && ours) {
			// They left while it still runs: their leaving is what counts; the cancellation follows.
			return null;
		}
		if (!claims) {
			// For no place kept for them: it ends at once (unless it ends by itself, as one does
			// after they left), and they are told why.
			if (cancelAt) return null;
			const effects = { stripe, afterCommit };
			if (current!.status === 'active') {
				await refuseSecondSubscription(tx, effects, accountId, row, current!, subscription);
			} else {
				await refuseLatePayment(tx, effects, accountId, row, current!, subscription);
			}
			// Refused: nothing of theirs runs, so nothing (a billing notice) may follow as if it did.
			return null;
		}
		if (!placed && (await takenCount(tx, row.id)) >= row.capacity) {
			await refuseLatePayment(tx, { stripe, afterCommit }, accountId, row, current!, subscription);
			// Refused: nothing of theirs runs, so nothing (a billing notice) may follow as if it did.
			return null;
		}
		const arrival = current!.arrival ?? Number((await nextArrivals(tx, 1))[0]);
		result = await set({
			status: 'active',
			payment,
			holdUntil: null,
			arrival,
			leftAt: null,
			confirmedAt: current!.confirmedAt ?? new Date()
		});
		if (payment === 'paid') {
			const dates = await upcoming(tx, row.id, 12);
			await queueEmail(tx, await welcomeEmail(tx, origin, row, dates, result, false));
		}
	} else if (payment === 'canceled') {
		// An older subscription's end says nothing about a place they hold now, unless it is the
		// one their kept place was waiting for.
		if (!claims) return null;
		result = await set({
			payment,
			holdUntil: null,
			...(placed && { status: 'left', leftAt: new Date() })
		});
		if (placed) {
			await queueSubscriptionEmail(tx, origin, row, result, 'subscription-ended', subscription.id, {
				subject: `Your subscription has ended: ${row.title}`,
				paragraphs: [
					`Your subscription to “${row.title}” has ended, and with it your place. Nothing more will be charged.`,
					'You are welcome to sign up again on the series page.'
				],
				action: { label: 'See the series', url: `${origin}/s/${row.slug}` }
			});
			await promoteNext(tx, origin, row);
		}
	} else if (current!.status === 'held' && claims) {
		// incomplete: the first payment is being confirmed; the place stays kept.
		result = await set({});
	} else {
		return null;
	}
	const left = await placesLeft(tx, row);
	afterCommit(() => announceCommitted(row, left));
	return result;
}

/**
 * Paid for a place that was already gone (their hold was released, the series filled up): the
 * subscription ends at once, so that nothing more is charged, and they are told. Its id is not
 * kept, so its own end leaves their row (say, on the waitlist) as it is. Stripe is asked once
 * the series' row lock is let go (signups to the series wait for it); should it fail, the next
 * event of the subscription (Stripe sends several as one begins) refuses it again.
 */
async function refuseLatePayment(
	tx: Db,
	effects: SubscriptionEffects,
	accountId: string,
	row: SeriesRow,
	subscriber: SubscriberRow,
	subscription: Stripe.Subscription
) {
	cancelAfterCommit(effects, accountId, subscription.id);
	const origin = appOrigin();
	await queueSubscriptionEmail(tx, origin, row, subscriber, 'place-gone', subscription.id, {
		subject: `The place was already gone: ${row.title}`,
		paragraphs: [
			`Your payment for “${row.title}” reached us after the place kept for you had been released, and the series is now full.`,
			'We cancelled the subscription at once: you will not be charged again. For the payment already made, please reply to the practitioner for a refund.'
		],
		action: { label: 'See the series', url: `${origin}/s/${row.slug}` }
	});
}

/**
 * A failed payment of a running subscription: one notice per invoice, linking to the page where
 * the subscriber manages their payment. Only while Stripe still has it unpaid: a notice arriving
 * after the recovery says nothing true any more.
 */
export async function billingNotice(
	tx: Db,
	subscriber: SubscriberRow,
	subscription: Stripe.Subscription,
	invoiceId: string
): Promise<void> {
	if (subscription.status !== 'past_due' && subscription.status !== 'unpaid') return;
	const [row] = await tx.select().from(series).where(eq(series.id, subscriber.seriesId));
	const origin = appOrigin();
	const { manageUrl } = await subscriberLinks(tx, origin, subscriber.id);
	await queueSubscriptionEmail(tx, origin, row!, subscriber, 'billing-notice', invoiceId, {
		subject: `Your payment did not go through: ${row!.title}`,
		paragraphs: [
			`The latest payment for “${row!.title}” (${priceText(row!)}) failed. Your place is kept while Stripe tries again.`,
			'Please check your card on your page for this series.'
		],
		action: { label: 'Manage my payment', url: manageUrl }
	});
}

/**
 * A Checkout of a kept place finished: paid (its subscription is derived as every other) or
 * expired (the place is released and passed on). The session is read again from Stripe.
 */
export async function applyCheckoutSession(
	tx: Db,
	accountId: string,
	sessionId: string,
	effects: SubscriptionEffects
): Promise<void> {
	const on = { stripeAccount: accountId };
	const session = await unlessMissing(effects.stripe.checkout.sessions.retrieve(sessionId, {}, on));
	if (!session) return;
	const subscriptionId =
		typeof session.subscription === 'string' ? session.subscription : session.subscription?.id;
	if (subscriptionId) {
		const subscription = await unlessMissing(
			effects.stripe.subscriptions.retrieve(subscriptionId, {}, on)
		);
		if (subscription) await applySubscription(tx, accountId, subscription, effects);
		return;
	}
	if (session.status !== 'expired') return;
	const found = await subscriberOf(tx, accountId, session.metadata?.subscriber_id);
	if (!found) return;
	const options = { sessionId: session.id, notify: true, origin: appOrigin() };
	const row = await releaseHoldIn(tx, session.metadata!.subscriber_id!, options);
	if (row) {
		const left = await placesLeft(tx, row);
		effects.afterCommit(() => announceCommitted(row, left));
	}
}
