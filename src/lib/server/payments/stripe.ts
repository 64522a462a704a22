import { TRPCError } from '@trpc/server';
import Stripe from 'stripe';
import { config } from '../config';
import { reportUnexpected } from '../unexpected';

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

/**
 * Stripe's refusal, or its silence, in words for whoever asked. `unchanged` says what did not
 * happen because of it (nothing of ours changes before Stripe agreed). Stripe's own message is
 * never shown: it can name (part of) this Sessionboard's key; it is logged under a reference.
 */
export async function withStripe<T>(
	doing: string,
	unchanged: string,
	call: () => Promise<T>
): Promise<T> {
	try {
		return await call();
	} catch (error) {
		if (!(error instanceof Stripe.errors.StripeError)) throw error;
		throw stripeRefusal(error, doing, unchanged);
	}
}

function stripeRefusal(error: Stripe.errors.StripeError, doing: string, unchanged: string) {
	if (
		error instanceof Stripe.errors.StripeConnectionError ||
		error instanceof Stripe.errors.StripeAPIError ||
		error instanceof Stripe.errors.StripeRateLimitError
	) {
		return new TRPCError({
			code: 'SERVICE_UNAVAILABLE',
			message: `Stripe could not be reached to ${doing}, so ${unchanged}. Please try again in a moment.`,
			cause: error
		});
	}
	if (error instanceof Stripe.errors.StripePermissionError || error.code === 'account_invalid') {
		return new TRPCError({
			code: 'PRECONDITION_FAILED',
			message: `The practitioner’s Stripe account cannot be reached from Sessionboard any more, so ${unchanged}. It can be managed in the practitioner’s own Stripe dashboard.`,
			cause: error
		});
	}
	const reference = reportUnexpected(error, `Asking Stripe to ${doing}`);
	if (error instanceof Stripe.errors.StripeAuthenticationError) {
		return new TRPCError({
			code: 'SERVICE_UNAVAILABLE',
			message: `Stripe did not accept this Sessionboard’s key, so it could not ${doing} and ${unchanged} (ref ${reference}).`,
			cause: error
		});
	}
	// Not BAD_REQUEST: a page's load would take that for an address that does not exist.
	return new TRPCError({
		code: 'BAD_GATEWAY',
		message: `Stripe refused to ${doing}, so ${unchanged} (ref ${reference}).`,
		cause: error
	});
}

/**
 * An address Stripe gave us to send a browser to (onboarding, Checkout, portal), if it is one:
 * https on stripe.com, or on the configured stand-in's origin. Anything else is refused with a
 * reference rather than followed.
 */
export function stripeDestination(address: string): string {
	const url = URL.canParse(address) ? new URL(address) : null;
	const standIn = config().STRIPE_API_URL;
	const fromStripe =
		url !== null &&
		((url.protocol === 'https:' &&
			(url.hostname === 'stripe.com' || url.hostname.endsWith('.stripe.com')) &&
			url.port === '' &&
			url.username === '' &&
			url.password === '') ||
			(standIn !== undefined && url.origin === new URL(standIn).origin));
	if (fromStripe) return url.href;
	const reference = reportUnexpected(
		new Error(`Stripe returned an address off Stripe: ${url?.origin ?? 'unparsable'}`),
		'Following a Stripe address'
	);
	throw new TRPCError({
		code: 'BAD_GATEWAY',
		message: `Stripe answered with an unexpected address, so you were not sent there (ref ${reference}).`
	});
}
