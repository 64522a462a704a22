import Stripe from 'stripe';
import { config } from '../config';

let cached: { fingerprint: string; client: Stripe } | undefined;

/**
 * The Stripe API client, or null when no key is configured (series are then free only). Made
 * again only when its settings change: tests point it at a local stand-in per file.
 */
export function stripeApi(): Stripe | null {
	const { STRIPE_SECRET_KEY, STRIPE_API_URL } = config();
	if (!STRIPE_SECRET_KEY) return null;
	const fingerprint = `${STRIPE_SECRET_KEY}\u0001${STRIPE_API_URL ?? ''}`;
	if (cached?.fingerprint === fingerprint) return cached.client;
	const elsewhere = STRIPE_API_URL ? new URL(STRIPE_API_URL) : undefined;
	const client = new Stripe(STRIPE_SECRET_KEY, {
		maxNetworkRetries: 2,
		timeout: 20_000,
		appInfo: { name: 'Sessionboard' },
		...(elsewhere && {
			host: elsewhere.hostname,
			port: Number(elsewhere.port) || (elsewhere.protocol === 'https:' ? 443 : 80),
			protocol: elsewhere.protocol === 'http:' ? 'http' : 'https'
		})
	});
	cached = { fingerprint, client };
	return client;
}

/** Payments are possible: a key to call Stripe with and a secret to trust its webhooks by. */
export function paymentsConfigured(): boolean {
	const { STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET } = config();
	return Boolean(STRIPE_SECRET_KEY && STRIPE_WEBHOOK_SECRET);
}

/**
 * What the event's account has under that id, or null when it has nothing: a webhook naming
 * another account's object is answered and left alone, not retried by Stripe for days.
 */
export async function unlessMissing<T>(read: Promise<T>): Promise<T | null> {
	try {
		return await read;
	} catch (error) {
		if (
			error instanceof Stripe.errors.StripeInvalidRequestError &&
			error.code === 'resource_missing'
		)
			return null;
		throw error;
	}
}
