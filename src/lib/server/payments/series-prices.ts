import { createHash } from 'node:crypto';
import Stripe from 'stripe';
import { TRPCError } from '@trpc/server';
import { stripeUnitAmount } from '../../money';
import type { Db } from '../db';
import type { SeriesRow } from '../db/schema';
import { fieldError } from '../trpc/errors';
import { reportUnexpected } from '../unexpected';
import { connectedAccount, paymentsBlocked } from './accounts';
import { stripeApi } from './stripe';

/** What a paid series is on Stripe: its terms, and the Product and Price made for them so far. */
export type PricedSeries = Pick<
	SeriesRow,
	'id' | 'ownerId' | 'title' | 'stripeProductId' | 'stripePriceId'
> & {
	priceMinor: number;
	currency: string;
	billingInterval: NonNullable<SeriesRow['billingInterval']>;
};

/** Where a series' Stripe objects live: the owner's connected account, when it can take payments. */
export type Merchant = { stripe: Stripe; stripeAccount: string };

/** The owner's connected account if payments work for them now, else why not. */
export async function merchantOf(
	db: Db,
	ownerId: string
): Promise<{ merchant: Merchant; blocked: null } | { merchant: null; blocked: string }> {
	const account = await connectedAccount(db, ownerId);
	const blocked = paymentsBlocked(account);
	const stripe = stripeApi();
	if (blocked || !account || !stripe) {
		return { merchant: null, blocked: blocked ?? 'Payments are not set up on this Sessionboard.' };
	}
	return { merchant: { stripe, stripeAccount: account.accountId }, blocked: null };
}

/** A refusal beside the price fields, saying why and where to put it right. */
export function paymentsRefusal(reason: string, doing: string): TRPCError {
	const message = `${reason} ${doing} once you can take payments: see Settings → Payments.`;
	return new TRPCError({
		code: 'PRECONDITION_FAILED',
		message,
		cause: fieldError('pricing', message)
	});
}

const recurringOf = (interval: PricedSeries['billingInterval']) =>
	interval === 'month'
		? { interval: 'month' as const }
		: { interval: 'week' as const, interval_count: 4 };

function matches(price: Stripe.Price, series: PricedSeries): boolean {
	const recurring = recurringOf(series.billingInterval);
	return (
		price.unit_amount === stripeUnitAmount(series.priceMinor, series.currency) &&
		price.currency === series.currency.toLowerCase() &&
		price.recurring?.interval === recurring.interval &&
		(price.recurring?.interval_count ?? 1) === ('interval_count' in recurring ? 4 : 1)
	);
}

/**
 * Stripe refusing a new Price's terms (an amount below its minimum charge for the currency…):
 * the practitioner's to change, so it goes beside the amount, in Stripe's words.
 */
function termsRefused(error: Stripe.errors.StripeInvalidRequestError): TRPCError {
	// The raw message: the SDK's puts the request id in front.
	const said = ((error.raw as { message?: string }).message ?? '').replace(/\.?$/, '.');
	const message = `Stripe does not accept this price: ${said} Change the amount or currency and save again.`;
	return new TRPCError({ code: 'BAD_REQUEST', message, cause: fieldError('price', message) });
}

const isMissing = (error: unknown) =>
	error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'resource_missing';

const digest = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);

/**
 * Makes the series' Product and recurring Price on the owner's connected account match its title
 * and terms, and returns their ids to store, with the Price they replace (to retire once stored).
 * A Price is never edited: new terms get a new one, so subscriptions on the old one keep theirs.
 * Every creating call has an idempotency key made of the terms, so a retry or a second click
 * gets the same object back; a Price found again that was retired meanwhile is put back.
 * Call it outside any transaction: it waits on Stripe.
 */
export async function seriesPriceOnStripe(
	merchant: Merchant,
	series: PricedSeries
): Promise<{ stripeProductId: string; stripePriceId: string; replaced: string | null }> {
	try {
		return await makeSeriesPrice(merchant, series);
	} catch (error) {
		if (!(error instanceof Stripe.errors.StripeError)) throw error;
		const reference = reportUnexpected(error, 'Making a series price on Stripe');
		throw new TRPCError({
			code: 'BAD_GATEWAY',
			message: `Stripe did not take the price (ref ${reference}), so nothing changed. Please try again in a moment.`
		});
	}
}

async function makeSeriesPrice({ stripe, stripeAccount }: Merchant, series: PricedSeries) {
	const on = { stripeAccount };
	let productId = series.stripeProductId;
	let current: Stripe.Response<Stripe.Price> | null = null;
	if (series.stripePriceId) {
		try {
			current = await stripe.prices.retrieve(series.stripePriceId, {}, on);
		} catch (error) {
			// Made on an account since disconnected: this one starts afresh.
			if (!isMissing(error)) throw error;
			productId = null;
		}
	}
	const metadata = { series_id: series.id };
	if (productId) {
		await stripe.products.update(productId, { name: series.title }, on);
	} else {
		const product = await stripe.products.create(
			{ name: series.title, metadata },
			// The title is part of the key: a key sent again must carry the same parameters.
			// The account too: connected to another one, the series makes its Product afresh there.
			{
				...on,
				idempotencyKey: `series-product:${stripeAccount}:${series.id}:${digest(series.title)}`
			}
		);
		productId = product.id;
	}
	const reusable =
		current && current.product === productId && matches(current, series) ? current : null;
	let price =
		reusable ??
		(await stripe.prices
			.create(
				{
					product: productId,
					unit_amount: stripeUnitAmount(series.priceMinor, series.currency),
					currency: series.currency.toLowerCase(),
					recurring: recurringOf(series.billingInterval),
					metadata
				},
				{
					...on,
					idempotencyKey: `series-price:${series.id}:${productId}:${series.priceMinor}:${series.currency}:${series.billingInterval}`
				}
			)
			.catch((error: unknown) => {
				throw error instanceof Stripe.errors.StripeInvalidRequestError
					? termsRefused(error)
					: error;
			}));
	// A replayed key answers with the Price as it was made, active, even if retired since.
	const replayed =
		price !== reusable && price.lastResponse.headers['idempotent-replayed'] === 'true';
	if (!price.active || replayed) price = await stripe.prices.update(price.id, { active: true }, on);
	return {
		stripeProductId: productId,
		stripePriceId: price.id,
		replaced: current && current.id !== price.id ? current.id : null
	};
}

/**
 * Stops a replaced Price from taking new subscriptions; those on it go on. Done after the series
 * points elsewhere, so a failure leaves only an unused Price active: it is logged, not shown.
 *
 * Not called for a Price made for a save that then failed (slug taken, changed meanwhile): the
 * same terms saved at the same moment from another tab get that very Price (same idempotency
 * key) and may be about to store it, and nothing short of holding the series row across the
 * Stripe call (which webhook handlers need) tells us they are not. Retiring it then would leave
 * the series on a Price that takes no signups; left active it is unused, as nothing pays by a
 * Price the series does not store, and saving those terms again takes it back.
 */
export async function retirePrice({ stripe, stripeAccount }: Merchant, priceId: string) {
	try {
		await stripe.prices.update(priceId, { active: false }, { stripeAccount });
	} catch (error) {
		reportUnexpected(error, 'Retiring a replaced Stripe price');
	}
}
