import { TRPCError } from '@trpc/server';
import { and, asc, eq, gt, isNull, lt, sql } from 'drizzle-orm';
import { datePreferencesOf } from '../account/date-preferences';
import { appOrigin, config } from '../config';
import type { Db } from '../db';
import { series, subscribers, type SeriesRow, type SubscriberRow } from '../db/schema';
import { queueEmail, type QueuedEmail } from '../email/deliveries';
import { whenInZone } from '../email/subscriber-messages';
import { notFound } from '../practice-errors';
import { signLink, verifyLink } from '../signed-links';
import {
	announceCommitted,
	lockSeries,
	paymentsClosed,
	placesLeft,
	priceOf,
	priceText,
	notTakingSignups,
	promoteNext,
	subscriberEmail
} from '../subscribers/service';
import { reportUnexpected } from '../unexpected';
import { connectedAccount, paymentsBlocked } from './accounts';
import { stripeApi, stripeDestination } from './stripe';

// A place on a paid series is kept while its person pays: Stripe Checkout, the clock that
// releases places kept too long, and the offers made to the waitlist. Who holds a place is the
// signup service's (subscribers/service.ts); this module only keeps, opens and releases.

/**
 * Stripe keeps a Checkout open at least 30 minutes, counted when the call reaches it: the hold
 * gets a minute more, so that a Checkout that expires with the hold is always accepted. Rounded
 * up to the whole minute, so that two requests a moment apart make the same hold (and through
 * the idempotency key, one Checkout).
 */
export const checkoutHold = sql`date_trunc('minute', now() + interval '31 minutes') + interval '1 minute'`;

/** An instant in whole seconds, for email keys: no run of digits as long as a card number's. */
const seconds = (instant: Date) => Math.floor(instant.getTime() / 1000);

/**
 * Names the place kept for someone: every admission (a confirmed signup) takes a new arrival
 * number, and keeps it while the place is kept, paid, or released unpaid; signing up again starts
 * without one.
 */
export const holdMarker = (subscriber: Pick<SubscriberRow, 'arrival'>) =>
	subscriber.arrival === null ? null : String(subscriber.arrival);

/** Until when a place is kept for them, as the practitioner writes dates, in the series' zone. */
async function heldUntil(db: Db, row: SeriesRow, subscriber: SubscriberRow): Promise<string> {
	return whenInZone(subscriber.holdUntil!, row.timeZone, await datePreferencesOf(db, row.ownerId));
}

/** "A place opened up — pay within 24 hours", with the link to the page that opens Checkout. */
export async function offerEmail(
	db: Db,
	origin: string,
	row: SeriesRow,
	subscriber: SubscriberRow
): Promise<QueuedEmail> {
	const until = await heldUntil(db, row, subscriber);
	return subscriberEmail(
		db,
		origin,
		`series-offer:${subscriber.id}:${seconds(subscriber.holdUntil!)}`,
		'series-offer',
		subscriber,
		row,
		{
			subject: `A place opened up — pay within 24 hours to take it: ${row.title}`,
			paragraphs: [
				`A place in “${row.title}” opened up for you. It is kept for you until ${until}; after that it goes to the next person waiting.`,
				`The price: ${priceText(row)}, paid through Stripe.`
			],
			action: {
				label: 'Pay and take my place',
				url: `${origin}/s/${row.slug}/pay/${await signLink(db, 'offer', subscriber.id)}`
			}
		}
	);
}

/** A place kept for someone (their Checkout, or an offer) went unpaid and was passed on. */
async function holdLapsedEmail(
	db: Db,
	origin: string,
	row: SeriesRow,
	subscriber: SubscriberRow
): Promise<QueuedEmail> {
	const until = await heldUntil(db, row, subscriber);
	return subscriberEmail(
		db,
		origin,
		`series-hold-lapsed:${subscriber.id}:${seconds(subscriber.holdUntil!)}`,
		'series-hold-lapsed',
		subscriber,
		row,
		{
			subject: `Your place was not kept: ${row.title}`,
			paragraphs: [
				`We kept a place in “${row.title}” for you until ${until}, but it was not paid for, so it has gone to the next person.`,
				'If a place is free again, you are welcome to sign up on the series page.'
			],
			action: { label: 'See the series', url: `${origin}/s/${row.slug}` }
		}
	);
}

/** Releases a place kept for someone and passes it on; call in a transaction. */
export async function releaseHoldIn(
	tx: Db,
	subscriberId: string,
	{
		sessionId,
		due,
		notify,
		origin
	}: {
		/** Only if their Checkout is still this one (null: none was opened). */
		sessionId?: string | null;
		/** Only if the hold's time is up (a hold extended meanwhile stays). */
		due?: boolean;
		notify: boolean;
		origin: string;
	}
): Promise<SeriesRow | null> {
	const [found] = await tx
		.select({ seriesId: subscribers.seriesId })
		.from(subscribers)
		.where(eq(subscribers.id, subscriberId));
	if (!found) return null;
	const row = await lockSeries(tx, found.seriesId);
	const [current] = await tx.select().from(subscribers).where(eq(subscribers.id, subscriberId));
	if (current!.status !== 'held') return null;
	if (sessionId !== undefined && current!.checkoutSessionId !== sessionId) return null;
	if (due && !(await holdLapsed(tx, subscriberId))) return null;
	await tx
		.update(subscribers)
		.set({ status: 'left', holdUntil: null, leftAt: new Date(), updatedAt: new Date() })
		.where(eq(subscribers.id, subscriberId));
	if (notify) await queueEmail(tx, await holdLapsedEmail(tx, origin, row, current!));
	await promoteNext(tx, origin, row);
	return row;
}

/** Releases a hold in a transaction of its own, live once committed. */
async function releaseHold(
	db: Db,
	subscriberId: string,
	options: Parameters<typeof releaseHoldIn>[2]
) {
	let left = 0;
	const row = await db.transaction(async (tx) => {
		const released = await releaseHoldIn(tx, subscriberId, options);
		if (released) left = await placesLeft(tx, released);
		return released;
	});
	if (row) announceCommitted(row, left);
	return row;
}

/**
 * The Checkout for a place kept for someone: the one already open, or a new one on the
 * practitioner's account that expires with the hold. Its idempotency key is the hold, so two
 * requests for one hold get one Checkout. `fresh`: the hold was made for this request, and goes
 * again at once if Stripe cannot be reached.
 */
export async function checkoutFor(
	db: Db,
	subscriberId: string,
	origin: string,
	{ fresh }: { fresh: boolean }
): Promise<string> {
	const [found] = await db
		.select({ subscriber: subscribers, series })
		.from(subscribers)
		.innerJoin(series, eq(series.id, subscribers.seriesId))
		.where(eq(subscribers.id, subscriberId));
	if (!found) throw notFound('signup');
	const { subscriber, series: row } = found;
	const holdUntil = subscriber.holdUntil;
	if (subscriber.status !== 'held' || !holdUntil || holdUntil <= new Date()) {
		throw new TRPCError({ code: 'BAD_REQUEST', message: 'This place is no longer kept for you.' });
	}
	const account = await connectedAccount(db, row.ownerId);
	const stripe = stripeApi();
	const blocked = paymentsBlocked(account);
	if (blocked || !stripe || !account || !row.stripePriceId) {
		if (fresh) await releaseHold(db, subscriber.id, { notify: false, origin });
		throw notTakingSignups(blocked ?? 'The series has no price at Stripe yet.');
	}
	const on = { stripeAccount: account.accountId };
	try {
		if (subscriber.checkoutSessionId) {
			const opened = await stripe.checkout.sessions.retrieve(subscriber.checkoutSessionId, {}, on);
			if (opened.status === 'open' && opened.url) return stripeDestination(opened.url);
			if (opened.status === 'complete') {
				throw new TRPCError({
					code: 'BAD_REQUEST',
					message:
						'You have paid for this place already; it is confirmed as soon as Stripe tells us.'
				});
			}
		}
		// `hold` names the place this payment is for: only it may make the kept place theirs.
		const metadata = {
			subscriber_id: subscriber.id,
			series_id: row.id,
			hold: holdMarker(subscriber)!
		};
		const fee = config().PLATFORM_FEE_PERCENT;
		const page = `${origin}/s/${row.slug}`;
		const session = await stripe.checkout.sessions.create(
			{
				mode: 'subscription',
				line_items: [{ price: row.stripePriceId, quantity: 1 }],
				customer_email: subscriber.email,
				client_reference_id: subscriber.id,
				metadata,
				subscription_data: { metadata, ...(fee > 0 && { application_fee_percent: fee }) },
				expires_at: Math.floor(holdUntil.getTime() / 1000),
				success_url: `${page}?paid={CHECKOUT_SESSION_ID}`,
				cancel_url: `${page}?checkout=cancelled&until=${holdUntil.getTime()}`
			},
			{
				...on,
				idempotencyKey: `checkout:${subscriber.id}:${holdMarker(subscriber)}:${holdUntil.getTime()}`
			}
		);
		await db
			.update(subscribers)
			.set({ checkoutSessionId: session.id, updatedAt: new Date() })
			.where(and(eq(subscribers.id, subscriber.id), eq(subscribers.status, 'held')));
		return stripeDestination(session.url!);
	} catch (error) {
		if (error instanceof TRPCError) throw error;
		reportUnexpected(error, 'Opening a Stripe Checkout');
		if (fresh) await releaseHold(db, subscriber.id, { sessionId: null, notify: false, origin });
		throw new TRPCError({
			code: 'BAD_GATEWAY',
			message: fresh
				? 'Stripe could not open the payment page just now, so no place was kept. Please try again in a moment.'
				: 'Stripe could not open the payment page just now. Please try again in a moment; your place is still kept.'
		});
	}
}

/** The waitlist offer behind its signed link: what it is for, and whether it still stands. */
export async function offerView(db: Db, token: string) {
	const id = await verifyLink(db, 'offer', token);
	if (!id) throw new TRPCError({ code: 'BAD_REQUEST', message: 'This link is not valid.' });
	const [found] = await db
		.select({ subscriber: subscribers, series })
		.from(subscribers)
		.innerJoin(series, eq(series.id, subscribers.seriesId))
		.where(eq(subscribers.id, id));
	if (!found) throw notFound('offer');
	const { subscriber, series: row } = found;
	const writing = await datePreferencesOf(db, row.ownerId);
	const open =
		subscriber.status === 'held' &&
		subscriber.holdUntil !== null &&
		subscriber.holdUntil > new Date();
	return {
		writing: { locale: writing.locale, clock: writing.clock },
		series: { title: row.title, slug: row.slug, timeZone: row.timeZone, price: priceOf(row) },
		name: subscriber.name,
		state: open ? 'open' : subscriber.status === 'active' ? 'taken' : 'lapsed',
		holdUntil: open ? subscriber.holdUntil : null,
		closedReason: await paymentsClosed(db, row)
	} as const;
}

/**
 * Opens Checkout for an offered place. Stripe keeps a Checkout open at least 30 minutes: an offer
 * with less time left is extended to that, so the Checkout and the hold end together.
 */
export async function payOffer(db: Db, token: string, origin: string): Promise<string> {
	const id = await verifyLink(db, 'offer', token);
	if (!id) throw new TRPCError({ code: 'BAD_REQUEST', message: 'This link is not valid.' });
	// Only before a Checkout is opened: the hold is that Checkout's key, and a second click
	// must find the same one.
	await db
		.update(subscribers)
		.set({ holdUntil: checkoutHold, updatedAt: new Date() })
		.where(
			and(
				eq(subscribers.id, id),
				eq(subscribers.status, 'held'),
				isNull(subscribers.checkoutSessionId),
				gt(subscribers.holdUntil, sql`now()`),
				lt(subscribers.holdUntil, checkoutHold)
			)
		);
	return checkoutFor(db, id, origin, { fresh: false });
}

/**
 * Stripe will never take this Checkout's payment: it has no such session (say, the practitioner
 * reconnected to another account), or no longer lets us at the account it was opened on.
 */
function checkoutGone(error: unknown): boolean {
	const { type, code } = (error ?? {}) as { type?: unknown; code?: unknown };
	return (
		type === 'StripePermissionError' || code === 'resource_missing' || code === 'account_invalid'
	);
}

/**
 * Ends a Checkout at Stripe, so that no one pays for a place that is gone. 'complete': they paid
 * first, and the completion admits them; null: Stripe could not say, and is asked next time.
 */
export async function expireCheckout(
	db: Db,
	ownerId: string,
	sessionId: string
): Promise<'expired' | 'complete' | null> {
	const stripe = stripeApi();
	const account = await connectedAccount(db, ownerId);
	// Without the account no Checkout of it can be paid any more.
	if (!stripe || !account) return 'expired';
	const on = { stripeAccount: account.accountId };
	try {
		const session = await stripe.checkout.sessions.expire(sessionId, {}, on);
		return session.status === 'complete' ? 'complete' : 'expired';
	} catch (error) {
		if (checkoutGone(error)) return 'expired';
		// Not open any more: paid, or expired already.
		try {
			const session = await stripe.checkout.sessions.retrieve(sessionId, {}, on);
			if (session.status === 'complete') return 'complete';
			return session.status === 'expired' ? 'expired' : null;
		} catch (error) {
			return checkoutGone(error) ? 'expired' : null;
		}
	}
}

/** The hold's time is up by the database's clock, the one the clock picked it by. */
async function holdLapsed(tx: Db, subscriberId: string): Promise<boolean> {
	const [lapsed] = await tx
		.select({ id: subscribers.id })
		.from(subscribers)
		.where(and(eq(subscribers.id, subscriberId), lt(subscribers.holdUntil, sql`now()`)));
	return lapsed !== undefined;
}

/** How many lapsed holds one beat of the clock looks at. */
const HOLD_BATCH = 100;

/**
 * The clock: releases places kept past their time (an unpaid Checkout, a lapsed offer) and passes
 * each on. A Checkout is first ended at Stripe; one paid meanwhile is left to its completion.
 * A hold that cannot be settled yet (its first payment still being confirmed, Stripe unreachable)
 * is tried again after every other lapsed hold, so that a crowd of them never keeps the rest
 * waiting; one still unsettled an hour after its time is logged, by id.
 */
export async function releaseLapsedHolds(
	db: Db,
	{
		batch = HOLD_BATCH,
		log = (message: string) => console.warn(`[holds] ${message}`)
	}: { batch?: number; log?: (message: string) => void } = {}
): Promise<number> {
	const due = await db
		.select({
			id: subscribers.id,
			ownerId: subscribers.ownerId,
			checkoutSessionId: subscribers.checkoutSessionId,
			longOverdue: sql<boolean>`${subscribers.holdUntil} < now() - interval '1 hour'`
		})
		.from(subscribers)
		.where(and(eq(subscribers.status, 'held'), lt(subscribers.holdUntil, sql`now()`)))
		.orderBy(sql`${subscribers.holdCheckedAt} asc nulls first`, asc(subscribers.holdUntil))
		.limit(batch);
	let released = 0;
	for (const hold of due) {
		const state = hold.checkoutSessionId
			? await expireCheckout(db, hold.ownerId, hold.checkoutSessionId)
			: 'expired';
		const options = { sessionId: hold.checkoutSessionId, due: true, notify: true };
		if (state === 'expired') {
			if (await releaseHold(db, hold.id, { ...options, origin: appOrigin() })) released += 1;
			continue;
		}
		await db
			.update(subscribers)
			.set({ holdCheckedAt: sql`now()` })
			.where(eq(subscribers.id, hold.id));
		if (hold.longOverdue) {
			log(`hold ${hold.id} (Checkout ${hold.checkoutSessionId}) still unsettled, kept`);
		}
	}
	return released;
}
