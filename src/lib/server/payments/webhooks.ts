import type Stripe from 'stripe';
import { config } from '../config';
import type { Db } from '../db';
import { stripeEvents } from '../db/schema';
import { accountEvents } from './account-events';
import { stripeApi } from './stripe';
import { subscriptionEvents } from './subscription-events';

/** Stripe's own default: a signature older than five minutes may be a replay. */
const TOLERANCE_SECONDS = 300;

export type StripeEventContext = {
	/** The transaction that also records the event: its effects and its record commit together. */
	tx: Db;
	event: Stripe.Event;
	stripe: Stripe;
	/** Runs once the transaction committed: live updates, which must not announce what rolled back. */
	afterCommit: (effect: () => void) => void;
};

export type StripeEventHandler = (context: StripeEventContext) => Promise<void>;
export type StripeEventHandlers = Partial<Record<Stripe.Event.Type, StripeEventHandler>>;

/**
 * One map of handlers out of several; a type handled twice is a mistake (one handler would
 * silently replace the other), refused when the server starts.
 */
export function mergeHandlers(...maps: StripeEventHandlers[]): StripeEventHandlers {
	const merged: StripeEventHandlers = {};
	for (const map of maps) {
		for (const [type, handler] of Object.entries(map) as [
			Stripe.Event.Type,
			StripeEventHandler
		][]) {
			if (merged[type]) throw new Error(`Two handlers for the Stripe event ${type}`);
			merged[type] = handler;
		}
	}
	return merged;
}

/** The events Sessionboard acts on; every other type is acknowledged and left alone. */
const handlers = mergeHandlers(accountEvents, subscriptionEvents);

export type WebhookAnswer = { status: 200 | 400 | 503; message: string };

/**
 * One delivery of the Connect endpoint. The signature is checked on the body exactly as it came;
 * then the event's effects and its id are written in one transaction, so a delivery seen before
 * does nothing, and a failure leaves no trace for Stripe's retry to trip over.
 */
export async function receiveStripeWebhook(
	db: Db,
	payload: string,
	signature: string | null
): Promise<WebhookAnswer> {
	const stripe = stripeApi();
	const secret = config().STRIPE_WEBHOOK_SECRET;
	if (!stripe || !secret) return { status: 503, message: 'Payments are not configured.' };
	let event: Stripe.Event;
	try {
		event = stripe.webhooks.constructEvent(payload, signature ?? '', secret, TOLERANCE_SECONDS);
	} catch {
		return { status: 400, message: 'The signature does not match this body.' };
	}
	const handle = handlers[event.type];
	if (!handle) return { status: 200, message: 'Not an event Sessionboard acts on.' };
	const effects: (() => void)[] = [];
	await db.transaction(async (tx) => {
		const [first] = await tx
			.insert(stripeEvents)
			.values({ id: event.id, type: event.type, accountId: event.account ?? null })
			.onConflictDoNothing()
			.returning({ id: stripeEvents.id });
		if (first) await handle({ tx, event, stripe, afterCommit: (effect) => effects.push(effect) });
	});
	for (const effect of effects) effect();
	return { status: 200, message: 'Received.' };
}
