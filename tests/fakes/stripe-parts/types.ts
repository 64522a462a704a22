/** The objects the fake keeps, in the shape API version 2026-11-18 answers them. */
export type Metadata = Record<string, string>;

type Base<O extends string> = {
	id: string;
	object: O;
	created: number;
	livemode: false;
	metadata: Metadata;
};

export type FakeAccount = Base<'account'> & {
	type: 'standard' | 'express' | 'custom';
	country: string;
	email: string | null;
	default_currency: string;
	charges_enabled: boolean;
	payouts_enabled: boolean;
	details_submitted: boolean;
	requirements: {
		currently_due: string[];
		eventually_due: string[];
		past_due: string[];
		disabled_reason: string | null;
	};
};

export type FakeProduct = Base<'product'> & {
	name: string;
	description: string | null;
	active: boolean;
};

export type Interval = 'day' | 'week' | 'month' | 'year';

export type FakePrice = Base<'price'> & {
	product: string;
	active: boolean;
	currency: string;
	unit_amount: number;
	type: 'recurring' | 'one_time';
	recurring: { interval: Interval; interval_count: number } | null;
	nickname: string | null;
};

export type FakeCheckoutSession = Base<'checkout.session'> & {
	mode: 'payment' | 'subscription' | 'setup';
	status: 'open' | 'complete' | 'expired';
	payment_status: 'unpaid' | 'paid' | 'no_payment_required';
	url: string | null;
	success_url: string | null;
	cancel_url: string | null;
	expires_at: number;
	client_reference_id: string | null;
	customer: string | null;
	customer_email: string | null;
	customer_details: { email: string | null } | null;
	subscription: string | null;
	currency: string;
	amount_total: number;
};

/** What a session keeps beyond its API shape, for the subscription paying it creates. */
export type SessionPlan = {
	lineItems: { price: string; quantity: number }[];
	subscriptionMetadata: Metadata;
	applicationFeePercent: number | null;
};

export type FakeCustomer = Base<'customer'> & { email: string | null; name: string | null };

export type FakeSubscriptionItem = {
	id: string;
	object: 'subscription_item';
	created: number;
	metadata: Metadata;
	price: FakePrice;
	quantity: number;
	subscription: string;
	current_period_start: number;
	current_period_end: number;
};

export type SubscriptionStatus =
	| 'incomplete'
	| 'incomplete_expired'
	| 'trialing'
	| 'active'
	| 'past_due'
	| 'canceled'
	| 'unpaid'
	| 'paused';

export type FakeSubscription = Base<'subscription'> & {
	status: SubscriptionStatus;
	customer: string;
	currency: string;
	collection_method: 'charge_automatically';
	start_date: number;
	billing_cycle_anchor: number;
	cancel_at_period_end: boolean;
	cancel_at: number | null;
	canceled_at: number | null;
	ended_at: number | null;
	cancellation_details: { reason: string | null; comment: string | null; feedback: string | null };
	items: {
		object: 'list';
		data: FakeSubscriptionItem[];
		has_more: false;
		total_count: number;
		url: string;
	};
	latest_invoice: string | null;
	application_fee_percent: number | null;
};

export type FakeInvoice = Base<'invoice'> & {
	customer: string;
	status: 'draft' | 'open' | 'paid' | 'void' | 'uncollectible';
	billing_reason: 'subscription_create' | 'subscription_cycle' | 'manual';
	currency: string;
	amount_due: number;
	amount_paid: number;
	amount_remaining: number;
	attempt_count: number;
	attempted: boolean;
	period_start: number;
	period_end: number;
	status_transitions: { paid_at: number | null };
	parent: {
		type: 'subscription_details';
		subscription_details: { subscription: string; metadata: Metadata };
	};
};

export type FakeEvent = {
	id: string;
	object: 'event';
	api_version: string;
	created: number;
	type: string;
	account?: string;
	data: { object: object; previous_attributes?: Record<string, unknown> };
	livemode: false;
	pending_webhooks: number;
	request: { id: string | null; idempotency_key: string | null };
};

/** The objects of one account (or of the platform), by id. */
export type FakeObjects = {
	accounts: Map<string, FakeAccount>;
	products: Map<string, FakeProduct>;
	prices: Map<string, FakePrice>;
	checkoutSessions: Map<string, FakeCheckoutSession>;
	customers: Map<string, FakeCustomer>;
	subscriptions: Map<string, FakeSubscription>;
	invoices: Map<string, FakeInvoice>;
	events: Map<string, FakeEvent>;
};

export function emptyObjects(): FakeObjects {
	return {
		accounts: new Map(),
		products: new Map(),
		prices: new Map(),
		checkoutSessions: new Map(),
		customers: new Map(),
		subscriptions: new Map(),
		invoices: new Map(),
		events: new Map()
	};
}
