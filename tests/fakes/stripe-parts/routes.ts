/** The API endpoints the fake answers, with Stripe's validation of their parameters. */
import { randomBytes } from 'node:crypto';
import { cancelNow, changeSubscription, expireSession, setCancelAtPeriodEnd } from './billing';
import { invalid, type Params } from './form';
import { now, PLATFORM, randomId, missing, type EventRequest, type Store } from './store';
import type {
	FakeAccount,
	FakeCheckoutSession,
	FakeCustomer,
	FakeEvent,
	FakePrice,
	FakeProduct
} from './types';

export type Ctx = {
	/** The Stripe-Account of the request, or PLATFORM. */
	scope: string;
	params: Params;
	request: EventRequest;
	/** Events the request caused, delivered after it is answered. */
	events: FakeEvent[];
};
export type Route = [method: string, path: RegExp, handler: (ctx: Ctx, id: string) => object];

const CURRENCIES = new Set(Intl.supportedValuesOf('currency').map((c) => c.toLowerCase()));
const COUNTRY_CURRENCY: Record<string, string> = {
	US: 'usd',
	GB: 'gbp',
	CA: 'cad',
	AU: 'aud',
	CH: 'chf'
};
const ONBOARDING_DUE = [
	'business_profile.url',
	'external_account',
	'tos_acceptance.date',
	'tos_acceptance.ip'
];
const id = '([A-Za-z0-9_]+)';

/** A connected account, seen by the platform or by itself. */
function account(store: Store, ctx: Ctx, accountId: string): FakeAccount {
	if (ctx.scope !== PLATFORM && ctx.scope !== accountId) throw missing('account', accountId);
	return store.get(PLATFORM, 'accounts', accountId, 'account');
}

function createAccount(store: Store, ctx: Ctx): FakeAccount {
	const p = ctx.params.only([
		'type',
		'country',
		'email',
		'metadata',
		'business_type',
		'capabilities',
		'business_profile',
		'default_currency'
	]);
	if (ctx.scope !== PLATFORM) throw invalid('A connected account cannot create accounts.');
	const type = p.oneOf('type', ['standard', 'express', 'custom'] as const);
	if (!type) throw invalid('Missing required param: type.', 'type', 'parameter_missing');
	const country = (p.string('country') ?? 'US').toUpperCase();
	if (!/^[A-Z]{2}$/.test(country)) throw invalid(`Invalid country: ${country}`, 'country');
	const created: FakeAccount = {
		id: randomId('acct'),
		object: 'account',
		created: now(),
		livemode: false,
		metadata: p.metadata(),
		type,
		country,
		email: p.string('email') ?? null,
		default_currency: p.string('default_currency') ?? COUNTRY_CURRENCY[country] ?? 'eur',
		charges_enabled: false,
		payouts_enabled: false,
		details_submitted: false,
		requirements: {
			currently_due: [...ONBOARDING_DUE],
			eventually_due: [...ONBOARDING_DUE],
			past_due: [],
			disabled_reason: 'requirements.past_due'
		}
	};
	store.objects(PLATFORM).accounts.set(created.id, created);
	return created;
}

function createPrice(store: Store, ctx: Ctx): FakePrice {
	const p = ctx.params.only([
		'product',
		'unit_amount',
		'currency',
		'recurring',
		'nickname',
		'metadata',
		'active',
		'lookup_key',
		'tax_behavior'
	]);
	const product = store.get(ctx.scope, 'products', p.required('product'), 'product', 'product');
	const currency = p.required('currency').toLowerCase();
	if (!CURRENCIES.has(currency)) throw invalid(`Invalid currency: ${currency}`, 'currency');
	const unitAmount = p.integer('unit_amount');
	if (unitAmount === undefined) {
		throw invalid('Missing required param: unit_amount.', 'unit_amount', 'parameter_missing');
	}
	if (unitAmount < 0) throw invalid('Invalid unit_amount: must be at least 0', 'unit_amount');
	const r = p.object('recurring');
	let recurring: FakePrice['recurring'] = null;
	if (r) {
		const interval = r.oneOf('interval', ['day', 'week', 'month', 'year'] as const);
		if (!interval) {
			throw invalid(
				'Missing required param: recurring[interval].',
				'recurring[interval]',
				'parameter_missing'
			);
		}
		const count = r.integer('interval_count') ?? 1;
		const max = { day: 1095, week: 156, month: 36, year: 3 }[interval];
		if (count < 1 || count > max) {
			throw invalid(
				`Invalid recurring[interval_count]: must be between 1 and ${max} for interval ${interval}`,
				'recurring[interval_count]'
			);
		}
		recurring = { interval, interval_count: count };
	}
	const created: FakePrice = {
		id: randomId('price'),
		object: 'price',
		created: now(),
		livemode: false,
		metadata: p.metadata(),
		product: product.id,
		active: p.boolean('active') ?? true,
		currency,
		unit_amount: unitAmount,
		type: recurring ? 'recurring' : 'one_time',
		recurring,
		nickname: p.string('nickname') ?? null
	};
	store.objects(ctx.scope).prices.set(created.id, created);
	return created;
}

function createCheckout(store: Store, ctx: Ctx): FakeCheckoutSession {
	const p = ctx.params.only([
		'mode',
		'line_items',
		'customer_email',
		'customer',
		'success_url',
		'cancel_url',
		'expires_at',
		'client_reference_id',
		'metadata',
		'subscription_data',
		'payment_method_types',
		'locale',
		'allow_promotion_codes',
		'billing_address_collection',
		'payment_method_collection'
	]);
	const mode = p.oneOf('mode', ['payment', 'subscription', 'setup'] as const);
	if (!mode) throw invalid('Missing required param: mode.', 'mode', 'parameter_missing');
	const successUrl = p.required('success_url');
	const email = p.string('customer_email') ?? null;
	const customer = p.string('customer') ?? null;
	if (email && customer) {
		throw invalid(
			'You may only specify one of these parameters: customer, customer_email.',
			'customer_email'
		);
	}
	if (customer) store.get(ctx.scope, 'customers', customer, 'customer', 'customer');
	const created = now();
	const expiresAt = p.integer('expires_at') ?? created + 86_400;
	if (expiresAt < created + 1800) {
		throw invalid(
			'The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.',
			'expires_at'
		);
	}
	if (expiresAt > created + 86_400) {
		throw invalid(
			'The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.',
			'expires_at'
		);
	}
	const items = p.list('line_items');
	if (items.length === 0 && mode !== 'setup') {
		throw invalid('Missing required param: line_items.', 'line_items', 'parameter_missing');
	}
	const lineItems = items.map((item, i) => {
		item.only(['price', 'quantity']);
		const param = `line_items[${i}]`;
		const price = store.get(
			ctx.scope,
			'prices',
			item.required('price'),
			'price',
			`${param}[price]`
		);
		if (!price.active) {
			throw invalid(
				'The price specified is inactive. This field only accepts active prices.',
				`${param}[price]`
			);
		}
		const quantity = item.integer('quantity');
		if (quantity === undefined) {
			throw invalid(
				`Quantity is required. Add \`quantity\` to \`${param}\``,
				`${param}[quantity]`,
				'parameter_missing'
			);
		}
		if (quantity < 1) {
			throw invalid('This value must be greater than or equal to 1.', `${param}[quantity]`);
		}
		return { price, quantity };
	});
	if (mode === 'subscription' && !lineItems.some((l) => l.price.recurring)) {
		throw invalid(
			'You must provide at least one recurring price in `subscription` mode when using prices.',
			'line_items'
		);
	}
	if (mode === 'payment' && lineItems.some((l) => l.price.recurring)) {
		throw invalid(
			'You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.',
			'line_items'
		);
	}
	if (new Set(lineItems.map((l) => l.price.currency)).size > 1) {
		throw invalid('All prices on a Checkout Session must have the same currency.', 'line_items');
	}
	const sd = p.object('subscription_data');
	if (sd && mode !== 'subscription') {
		throw invalid(
			'You can only set `subscription_data` in `subscription` mode.',
			'subscription_data'
		);
	}
	sd?.only(['metadata', 'application_fee_percent', 'description', 'trial_period_days']);
	const fee = sd?.decimal('application_fee_percent') ?? null;
	if (fee !== null && ctx.scope === PLATFORM) {
		throw invalid(
			'Can only apply an application_fee_percent when the request is made on behalf of another account (using an OAuth key, the Stripe-Account header, or the destination parameter).',
			'subscription_data[application_fee_percent]'
		);
	}
	if (fee !== null && fee > 100) {
		throw invalid(
			'application_fee_percent must be between 0 and 100.',
			'subscription_data[application_fee_percent]'
		);
	}
	const sessionId = randomId('cs_test');
	const session: FakeCheckoutSession = {
		id: sessionId,
		object: 'checkout.session',
		created,
		livemode: false,
		metadata: p.metadata(),
		mode,
		status: 'open',
		payment_status: 'unpaid',
		url: `${store.origin}/_fake/checkout/${sessionId}`,
		success_url: successUrl,
		cancel_url: p.string('cancel_url') ?? null,
		expires_at: expiresAt,
		client_reference_id: p.string('client_reference_id') ?? null,
		customer,
		customer_email: email,
		customer_details: null,
		subscription: null,
		currency: lineItems[0]?.price.currency ?? 'usd',
		amount_total: lineItems.reduce((sum, l) => sum + l.price.unit_amount * l.quantity, 0)
	};
	store.objects(ctx.scope).checkoutSessions.set(session.id, session);
	store.plans.set(session.id, {
		lineItems: lineItems.map((l) => ({ price: l.price.id, quantity: l.quantity })),
		subscriptionMetadata: sd?.metadata() ?? {},
		applicationFeePercent: fee
	});
	return session;
}

/** `expand[]`: ids replaced by their objects (dotted paths go deeper), line items listed. */
export function expanded(store: Store, scope: string, value: object, paths: string[]): object {
	const copy: Record<string, unknown> = { ...structuredClone(value) };
	for (const path of paths) {
		const [head = '', ...rest] = path.split('.');
		const field = copy[head];
		if (head === 'line_items' && copy.object === 'checkout.session') {
			const sessionId = String(copy.id);
			copy.line_items = {
				object: 'list',
				has_more: false,
				url: `/v1/checkout/sessions/${sessionId}/line_items`,
				data: (store.plans.get(sessionId)?.lineItems ?? []).map((line) => {
					const price = store.get(scope, 'prices', line.price, 'price');
					return {
						id: randomId('li'),
						object: 'item',
						price,
						quantity: line.quantity,
						currency: price.currency,
						amount_total: price.unit_amount * line.quantity
					};
				})
			};
		} else if (typeof field === 'string') {
			const found = store.find(scope, field);
			if (found) {
				copy[head] = rest.length
					? expanded(store, scope, found, [rest.join('.')])
					: structuredClone(found);
			}
		} else if (field && typeof field === 'object' && rest.length) {
			copy[head] = expanded(store, scope, field, [rest.join('.')]);
		} else if (field === undefined) {
			throw invalid(`This property cannot be expanded (${path}).`, 'expand');
		}
	}
	return copy;
}

export function routes(store: Store): Route[] {
	return [
		['POST', /^\/v1\/accounts$/, (ctx) => createAccount(store, ctx)],
		['GET', new RegExp(`^/v1/accounts/${id}$`), (ctx, acct) => account(store, ctx, acct)],
		[
			'POST',
			new RegExp(`^/v1/accounts/${id}$`),
			(ctx, acctId) => {
				const p = ctx.params.only(['metadata', 'email', 'business_profile']);
				const acct = account(store, ctx, acctId);
				acct.metadata = p.metadata(acct.metadata);
				acct.email = p.string('email') ?? acct.email;
				ctx.events.push(store.emit(acct.id, 'account.updated', acct, ctx.request));
				return acct;
			}
		],
		[
			'DELETE',
			new RegExp(`^/v1/accounts/${id}$`),
			(ctx, acctId) => {
				account(store, ctx, acctId);
				store.objects(PLATFORM).accounts.delete(acctId);
				return { id: acctId, object: 'account', deleted: true };
			}
		],
		[
			'POST',
			/^\/v1\/account_links$/,
			(ctx) => {
				const p = ctx.params.only([
					'account',
					'refresh_url',
					'return_url',
					'type',
					'collect',
					'collection_options'
				]);
				const acct = account(store, ctx, p.required('account'));
				const refreshUrl = p.required('refresh_url');
				const returnUrl = p.required('return_url');
				if (!p.oneOf('type', ['account_onboarding', 'account_update'] as const)) {
					throw invalid('Missing required param: type.', 'type', 'parameter_missing');
				}
				const linkId = randomBytes(12).toString('hex');
				const expiresAt = now() + 300;
				store.accountLinks.set(linkId, { account: acct.id, refreshUrl, returnUrl, expiresAt });
				return {
					object: 'account_link',
					created: now(),
					expires_at: expiresAt,
					url: `${store.origin}/_fake/onboarding/${linkId}`
				};
			}
		],
		[
			'POST',
			/^\/v1\/products$/,
			(ctx) => {
				const p = ctx.params.only(['name', 'active', 'description', 'metadata', 'id']);
				const product: FakeProduct = {
					id: p.string('id') ?? randomId('prod'),
					object: 'product',
					created: now(),
					livemode: false,
					metadata: p.metadata(),
					name: p.required('name'),
					description: p.string('description') ?? null,
					active: p.boolean('active') ?? true
				};
				store.objects(ctx.scope).products.set(product.id, product);
				return product;
			}
		],
		[
			'GET',
			new RegExp(`^/v1/products/${id}$`),
			(ctx, prodId) => store.get(ctx.scope, 'products', prodId, 'product')
		],
		[
			'POST',
			new RegExp(`^/v1/products/${id}$`),
			(ctx, prodId) => {
				const p = ctx.params.only(['name', 'active', 'description', 'metadata']);
				const product = store.get(ctx.scope, 'products', prodId, 'product');
				Object.assign(product, {
					name: p.string('name') ?? product.name,
					description: p.string('description') ?? product.description,
					active: p.boolean('active') ?? product.active,
					metadata: p.metadata(product.metadata)
				});
				return product;
			}
		],
		['POST', /^\/v1\/prices$/, (ctx) => createPrice(store, ctx)],
		[
			'GET',
			new RegExp(`^/v1/prices/${id}$`),
			(ctx, priceId) => store.get(ctx.scope, 'prices', priceId, 'price')
		],
		[
			'POST',
			new RegExp(`^/v1/prices/${id}$`),
			(ctx, priceId) => {
				const p = ctx.params.only(['active', 'metadata', 'nickname']);
				const price = store.get(ctx.scope, 'prices', priceId, 'price');
				Object.assign(price, {
					active: p.boolean('active') ?? price.active,
					nickname: p.string('nickname') ?? price.nickname,
					metadata: p.metadata(price.metadata)
				});
				return price;
			}
		],
		['POST', /^\/v1\/checkout\/sessions$/, (ctx) => createCheckout(store, ctx)],
		[
			'GET',
			new RegExp(`^/v1/checkout/sessions/${id}$`),
			(ctx, csId) => store.get(ctx.scope, 'checkoutSessions', csId, 'checkout.session', 'session')
		],
		[
			'POST',
			new RegExp(`^/v1/checkout/sessions/${id}/expire$`),
			(ctx, csId) => {
				ctx.params.only([]);
				const session = store.get(
					ctx.scope,
					'checkoutSessions',
					csId,
					'checkout.session',
					'session'
				);
				ctx.events.push(expireSession(store, ctx.scope, session, ctx.request));
				return session;
			}
		],
		[
			'POST',
			/^\/v1\/customers$/,
			(ctx) => {
				const p = ctx.params.only([
					'email',
					'name',
					'metadata',
					'description',
					'preferred_locales'
				]);
				const customer: FakeCustomer = {
					id: randomId('cus'),
					object: 'customer',
					created: now(),
					livemode: false,
					metadata: p.metadata(),
					email: p.string('email') ?? null,
					name: p.string('name') ?? null
				};
				store.objects(ctx.scope).customers.set(customer.id, customer);
				return customer;
			}
		],
		[
			'GET',
			new RegExp(`^/v1/customers/${id}$`),
			(ctx, cusId) => store.get(ctx.scope, 'customers', cusId, 'customer')
		],
		[
			'GET',
			new RegExp(`^/v1/subscriptions/${id}$`),
			(ctx, subId) => store.get(ctx.scope, 'subscriptions', subId, 'subscription')
		],
		[
			'POST',
			new RegExp(`^/v1/subscriptions/${id}$`),
			(ctx, subId) => {
				const p = ctx.params.only([
					'cancel_at_period_end',
					'metadata',
					'cancellation_details',
					'proration_behavior'
				]);
				const sub = store.get(ctx.scope, 'subscriptions', subId, 'subscription');
				const flag = p.boolean('cancel_at_period_end');
				const metadata = p.metadata(sub.metadata);
				ctx.events.push(
					...(flag === undefined
						? []
						: setCancelAtPeriodEnd(store, ctx.scope, sub, flag, ctx.request)),
					...changeSubscription(store, ctx.scope, sub, () => (sub.metadata = metadata), ctx.request)
				);
				return sub;
			}
		],
		[
			'DELETE',
			new RegExp(`^/v1/subscriptions/${id}$`),
			(ctx, subId) => {
				ctx.params.only(['invoice_now', 'prorate', 'cancellation_details']);
				const sub = store.get(ctx.scope, 'subscriptions', subId, 'subscription');
				ctx.events.push(cancelNow(store, ctx.scope, sub, ctx.request));
				return sub;
			}
		],
		[
			'POST',
			/^\/v1\/billing_portal\/sessions$/,
			(ctx) => {
				const p = ctx.params.only([
					'customer',
					'return_url',
					'configuration',
					'locale',
					'flow_data'
				]);
				const customer = p.required('customer');
				store.get(ctx.scope, 'customers', customer, 'customer', 'customer');
				const returnUrl = p.string('return_url') ?? `${store.origin}/_fake/health`;
				const portalId = randomId('bps');
				store.portalSessions.set(portalId, { scope: ctx.scope, customer, returnUrl });
				return {
					id: portalId,
					object: 'billing_portal.session',
					created: now(),
					livemode: false,
					customer,
					return_url: returnUrl,
					locale: null,
					url: `${store.origin}/_fake/portal/${portalId}`
				};
			}
		],
		[
			'GET',
			new RegExp(`^/v1/invoices/${id}$`),
			(ctx, inId) => store.get(ctx.scope, 'invoices', inId, 'invoice')
		],
		[
			'GET',
			new RegExp(`^/v1/events/${id}$`),
			(ctx, evtId) => store.get(ctx.scope, 'events', evtId, 'event')
		]
	];
}
