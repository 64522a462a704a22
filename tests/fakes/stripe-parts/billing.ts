/**
 * What happens at Stripe besides API calls: onboarding, paying, renewing, failing. Each change
 * returns the events Stripe would send about it, in Stripe's order; the caller delivers them.
 */
import { invalid } from './form';
import {
	addInterval,
	firstItem,
	now,
	PLATFORM,
	randomId,
	type EventRequest,
	type Store
} from './store';
import type {
	FakeAccount,
	FakeCheckoutSession,
	FakeCustomer,
	FakeEvent,
	FakeInvoice,
	FakeSubscription
} from './types';

export function onboard(store: Store, id: string): FakeEvent {
	const account: FakeAccount = store.get(PLATFORM, 'accounts', id, 'account');
	account.charges_enabled = true;
	account.payouts_enabled = true;
	account.details_submitted = true;
	account.requirements = {
		currently_due: [],
		eventually_due: [],
		past_due: [],
		disabled_reason: null
	};
	return store.emit(id, 'account.updated', account);
}

function newInvoice(
	store: Store,
	scope: string,
	sub: FakeSubscription,
	reason: FakeInvoice['billing_reason'],
	paid: boolean
): FakeInvoice {
	const item = firstItem(sub);
	const amount = sub.items.data.reduce((sum, i) => sum + i.price.unit_amount * i.quantity, 0);
	const invoice: FakeInvoice = {
		id: randomId('in'),
		object: 'invoice',
		created: now(),
		livemode: false,
		metadata: {},
		customer: sub.customer,
		status: paid ? 'paid' : 'open',
		billing_reason: reason,
		currency: sub.currency,
		amount_due: amount,
		amount_paid: paid ? amount : 0,
		amount_remaining: paid ? 0 : amount,
		attempt_count: 1,
		attempted: true,
		period_start: item.current_period_start,
		period_end: item.current_period_end,
		status_transitions: { paid_at: paid ? now() : null },
		parent: {
			type: 'subscription_details',
			subscription_details: { subscription: sub.id, metadata: { ...sub.metadata } }
		}
	};
	store.objects(scope).invoices.set(invoice.id, invoice);
	sub.latest_invoice = invoice.id;
	return invoice;
}

/** The Pay button: a customer, an active subscription, a paid invoice, a complete session. */
export function pay(store: Store, sessionId: string): FakeEvent[] {
	const { scope, object: session } = store.locate(
		'checkoutSessions',
		sessionId,
		'checkout.session'
	);
	if (session.status !== 'open') {
		throw invalid(`This Checkout Session is no longer active (status ${session.status}).`);
	}
	if (session.expires_at <= now()) throw invalid('This Checkout Session has expired.');
	const plan = store.plans.get(session.id);
	if (!plan || session.mode !== 'subscription') {
		throw invalid('The fake Stripe only pays subscription-mode sessions.');
	}
	const created = now();
	const objects = store.objects(scope);
	let customerId = session.customer;
	if (!customerId) {
		const customer: FakeCustomer = {
			id: randomId('cus'),
			object: 'customer',
			created,
			livemode: false,
			metadata: {},
			email: session.customer_email,
			name: null
		};
		objects.customers.set(customer.id, customer);
		customerId = customer.id;
	}
	const subId = randomId('sub');
	const sub: FakeSubscription = {
		id: subId,
		object: 'subscription',
		created,
		livemode: false,
		metadata: { ...plan.subscriptionMetadata },
		status: 'active',
		customer: customerId,
		currency: session.currency,
		collection_method: 'charge_automatically',
		start_date: created,
		billing_cycle_anchor: created,
		cancel_at_period_end: false,
		cancel_at: null,
		canceled_at: null,
		ended_at: null,
		cancellation_details: { reason: null, comment: null, feedback: null },
		items: {
			object: 'list',
			data: plan.lineItems.map((line) => {
				const price = structuredClone(store.get(scope, 'prices', line.price, 'price'));
				const { interval, interval_count } = price.recurring ?? {
					interval: 'month' as const,
					interval_count: 1
				};
				return {
					id: randomId('si'),
					object: 'subscription_item' as const,
					created,
					metadata: {},
					price,
					quantity: line.quantity,
					subscription: subId,
					current_period_start: created,
					current_period_end: addInterval(created, interval, interval_count)
				};
			}),
			has_more: false,
			total_count: plan.lineItems.length,
			url: `/v1/subscription_items?subscription=${subId}`
		},
		latest_invoice: null,
		application_fee_percent: plan.applicationFeePercent
	};
	objects.subscriptions.set(sub.id, sub);
	const invoice = newInvoice(store, scope, sub, 'subscription_create', true);
	Object.assign(session, {
		status: 'complete',
		payment_status: 'paid',
		customer: customerId,
		customer_details: { email: session.customer_email },
		subscription: sub.id,
		url: null
	} satisfies Partial<FakeCheckoutSession>);
	return [
		store.emit(scope, 'checkout.session.completed', session),
		store.emit(scope, 'customer.subscription.created', sub),
		store.emit(scope, 'invoice.paid', invoice)
	];
}

export function expireSession(
	store: Store,
	scope: string,
	session: FakeCheckoutSession,
	request?: EventRequest
): FakeEvent {
	if (session.status !== 'open') {
		throw invalid('Only Checkout Sessions with a status in [open] can be expired.');
	}
	session.status = 'expired';
	session.url = null;
	return store.emit(scope, 'checkout.session.expired', session, request);
}

/** Applies a change; emits customer.subscription.updated with what it changed, if anything. */
export function changeSubscription(
	store: Store,
	scope: string,
	sub: FakeSubscription,
	mutate: () => void,
	request?: EventRequest
): FakeEvent[] {
	const before = structuredClone(sub);
	mutate();
	const previous: Record<string, unknown> = {};
	for (const key of Object.keys(sub) as (keyof FakeSubscription)[]) {
		if (JSON.stringify(before[key]) !== JSON.stringify(sub[key])) previous[key] = before[key];
	}
	if (Object.keys(previous).length === 0) return [];
	return [store.emit(scope, 'customer.subscription.updated', sub, request, previous)];
}

export function cancelNow(
	store: Store,
	scope: string,
	sub: FakeSubscription,
	request?: EventRequest
): FakeEvent {
	if (sub.status === 'canceled') {
		throw invalid('A canceled subscription can only update its cancellation_details and metadata.');
	}
	Object.assign(sub, {
		status: 'canceled',
		canceled_at: now(),
		ended_at: now(),
		cancellation_details: { ...sub.cancellation_details, reason: 'cancellation_requested' }
	} satisfies Partial<FakeSubscription>);
	return store.emit(scope, 'customer.subscription.deleted', sub, request);
}

export function setCancelAtPeriodEnd(
	store: Store,
	scope: string,
	sub: FakeSubscription,
	flag: boolean,
	request?: EventRequest
): FakeEvent[] {
	if (sub.status === 'canceled') {
		throw invalid(
			'A canceled subscription can only update its cancellation_details and metadata.',
			'cancel_at_period_end'
		);
	}
	return changeSubscription(
		store,
		scope,
		sub,
		() =>
			Object.assign(sub, {
				cancel_at_period_end: flag,
				cancel_at: flag ? firstItem(sub).current_period_end : null,
				cancellation_details: {
					...sub.cancellation_details,
					reason: flag ? 'cancellation_requested' : null
				}
			} satisfies Partial<FakeSubscription>),
		request
	);
}

/**
 * The end of the current period: a subscription set to cancel ends; any other renews for one
 * more interval with a new invoice, paid unless this renewal was set to fail.
 */
export function endPeriod(store: Store, subscriptionId: string): FakeEvent[] {
	const { scope, object: sub } = store.locate('subscriptions', subscriptionId, 'subscription');
	if (sub.status === 'canceled') throw new Error(`fake stripe: ${sub.id} is already canceled`);
	if (sub.cancel_at_period_end) return [cancelNow(store, scope, sub)];
	const failing = store.failingRenewals.delete(sub.id);
	const made: FakeEvent[] = [];
	const updated = changeSubscription(store, scope, sub, () => {
		const data = sub.items.data.map((item) => {
			const { interval, interval_count } = item.price.recurring ?? {
				interval: 'month' as const,
				interval_count: 1
			};
			return {
				...item,
				current_period_start: item.current_period_end,
				current_period_end: addInterval(item.current_period_end, interval, interval_count)
			};
		});
		sub.items = { ...sub.items, data };
		const invoice = newInvoice(store, scope, sub, 'subscription_cycle', !failing);
		made.push(store.emit(scope, failing ? 'invoice.payment_failed' : 'invoice.paid', invoice));
		sub.status = failing ? 'past_due' : 'active';
	});
	return [...made, ...updated];
}

/** A payment fails now: a new open invoice, the subscription past_due. */
export function failPayment(store: Store, subscriptionId: string): FakeEvent[] {
	const { scope, object: sub } = store.locate('subscriptions', subscriptionId, 'subscription');
	if (sub.status === 'canceled') throw new Error(`fake stripe: ${sub.id} is canceled`);
	const made: FakeEvent[] = [];
	const updated = changeSubscription(store, scope, sub, () => {
		const invoice = newInvoice(store, scope, sub, 'subscription_cycle', false);
		made.push(store.emit(scope, 'invoice.payment_failed', invoice));
		sub.status = 'past_due';
	});
	return [...made, ...updated];
}

/** The open invoice gets paid; the subscription is active again. */
export function recoverPayment(store: Store, subscriptionId: string): FakeEvent[] {
	const { scope, object: sub } = store.locate('subscriptions', subscriptionId, 'subscription');
	const invoice = sub.latest_invoice
		? store.objects(scope).invoices.get(sub.latest_invoice)
		: undefined;
	if (!invoice || invoice.status !== 'open') {
		throw new Error(`fake stripe: ${sub.id} has no unpaid invoice`);
	}
	Object.assign(invoice, {
		status: 'paid',
		amount_paid: invoice.amount_due,
		amount_remaining: 0,
		status_transitions: { paid_at: now() }
	} satisfies Partial<FakeInvoice>);
	const paid = store.emit(scope, 'invoice.paid', invoice);
	return [paid, ...changeSubscription(store, scope, sub, () => (sub.status = 'active'))];
}

/** The account disconnects the platform: Stripe tells the platform, then refuses its header. */
export function deauthorize(store: Store, accountId: string): FakeEvent {
	store.get(PLATFORM, 'accounts', accountId, 'account');
	store.revoked.add(accountId);
	return store.emit(accountId, 'account.application.deauthorized', {
		id: 'ca_fake',
		object: 'application',
		name: 'Sessionboard'
	});
}
