import type Stripe from 'stripe';
import { applyCheckoutSession, applySubscription, billingNotice } from './subscription-state';
import { unlessMissing } from './stripe';
import type { StripeEventContext, StripeEventHandler, StripeEventHandlers } from './webhooks';

/** The id of a field that Stripe sends as an id or as the object it names. */
const idOf = (value: string | { id: string } | null | undefined) =>
	typeof value === 'string' ? value : (value?.id ?? null);

/**
 * Re-reads the subscription an event is about and derives its subscriber from it, whatever the
 * event says: events arrive late, twice and out of order, Stripe's current state never does.
 * Events from no connected account are none of a practitioner's.
 */
async function fromSubscription(
	{ tx, event, stripe, afterCommit }: StripeEventContext,
	subscriptionId: string | null
) {
	if (!event.account || !subscriptionId) return null;
	const subscription = await unlessMissing(
		stripe.subscriptions.retrieve(subscriptionId, {}, { stripeAccount: event.account })
	);
	if (!subscription) return null;
	const subscriber = await applySubscription(tx, event.account, subscription, {
		stripe,
		afterCommit
	});
	return subscriber && { subscriber, subscription };
}

const onCheckoutSession: StripeEventHandler = async (context) => {
	const { event } = context;
	if (!event.account) return;
	const session = event.data.object as Stripe.Checkout.Session;
	await applyCheckoutSession(context.tx, event.account, session.id, context);
};

const onSubscription: StripeEventHandler = async (context) => {
	await fromSubscription(context, (context.event.data.object as Stripe.Subscription).id);
};

const subscriptionOfInvoice = (invoice: Stripe.Invoice) =>
	idOf(invoice.parent?.subscription_details?.subscription);

const onInvoicePaid: StripeEventHandler = async (context) => {
	await fromSubscription(
		context,
		subscriptionOfInvoice(context.event.data.object as Stripe.Invoice)
	);
};

const onPaymentFailed: StripeEventHandler = async (context) => {
	const invoice = context.event.data.object as Stripe.Invoice;
	const derived = await fromSubscription(context, subscriptionOfInvoice(invoice));
	if (derived && invoice.id) {
		await billingNotice(context.tx, derived.subscriber, derived.subscription, invoice.id);
	}
};

/** Events about subscribers' Checkout sessions, subscriptions and invoices. */
export const subscriptionEvents: StripeEventHandlers = {
	'checkout.session.completed': onCheckoutSession,
	'checkout.session.expired': onCheckoutSession,
	'customer.subscription.created': onSubscription,
	'customer.subscription.updated': onSubscription,
	'customer.subscription.deleted': onSubscription,
	'invoice.paid': onInvoicePaid,
	'invoice.payment_failed': onPaymentFailed
};
