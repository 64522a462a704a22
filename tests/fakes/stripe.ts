import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import Stripe from 'stripe';
import { invalid, parseForm, Params, StripeApiError, type FormObject } from './stripe-parts/form';
import { checkoutPage, errorPage, onboardingPage, portalPage } from './stripe-parts/pages';
import {
	emptyObjects,
	type FakeAccount,
	type FakeCheckoutSession,
	type FakeCustomer,
	type FakeEvent,
	type FakeInvoice,
	type FakeObjects,
	type FakePrice,
	type FakeProduct,
	type FakeSubscription,
	type Interval,
	type SessionPlan
} from './stripe-parts/types';

export type * from './stripe-parts/types';
export { parseForm } from './stripe-parts/form';

export type DeliveryMode = 'immediate' | 'held';

export type FakeStripeOptions = {
	host?: string;
	/** 0 (the default) picks a free port. */
	port?: number;
	secretKey?: string;
	webhookSecret?: string;
	/** Where events are POSTed; null keeps them undelivered until `setWebhookTarget`. */
	webhookUrl?: string | null;
	deliveryMode?: DeliveryMode;
	/** Seeds the shuffle of `deliverHeld`, so a failing order can be replayed. */
	seed?: number;
	/** Retries of a non-2xx delivery in immediate mode. */
	retries?: number;
	retryDelayMs?: number;
	/**
	 * Serves the test controls at `POST /_fake/control/<name>` (form field `id`), for browser
	 * tests that run the fake in another process.
	 */
	httpControls?: boolean;
};

export type RecordedRequest = {
	method: string;
	path: string;
	stripeAccount: string | null;
	idempotencyKey: string | null;
	/** The parsed form body (POST) or query (GET, DELETE). */
	body: FormObject;
	status: number;
};

export type Delivery = {
	eventId: string;
	type: string;
	account: string | null;
	attempt: number;
	/** The target's HTTP status, 0 when it could not be reached. */
	status: number;
};

export type InjectedError = {
	status: number;
	error: { type: string; message: string; code?: string; param?: string };
};

export type DeliverHeldOptions = { times?: number; shuffle?: boolean; concurrency?: number };

export type FakeStripe = {
	/** Origin of the fake, e.g. http://127.0.0.1:41234: the app's STRIPE_API_URL. */
	url: string;
	port: number;
	secretKey: string;
	webhookSecret: string;
	seed: number;
	requests: RecordedRequest[];
	deliveries: Delivery[];
	/** Every event emitted, in order (also reachable per account through `objects`). */
	events: FakeEvent[];
	/** The objects of a connected account, or of the platform without an id. Live maps. */
	objects: (account?: string | null) => FakeObjects;
	setWebhookTarget: (url: string | null) => void;
	setDeliveryMode: (mode: DeliveryMode) => void;
	/** Events kept in held mode, not yet delivered. */
	held: () => FakeEvent[];
	deliverHeld: (options?: DeliverHeldOptions) => Promise<Delivery[]>;
	/** Resolves once every delivery started so far (also those after API calls) has finished. */
	idle: () => Promise<void>;
	completeOnboarding: (accountId: string) => Promise<FakeAccount>;
	completeCheckout: (sessionId: string) => Promise<FakeCheckoutSession>;
	expireCheckout: (sessionId: string) => Promise<FakeCheckoutSession>;
	/** The subscription's next renewal (`endPeriod`) fails. */
	failNextPayment: (subscriptionId: string) => void;
	/** A payment fails now: a new open invoice, the subscription past_due. */
	failPayment: (subscriptionId: string) => Promise<FakeSubscription>;
	recoverPayment: (subscriptionId: string) => Promise<FakeSubscription>;
	endPeriod: (subscriptionId: string) => Promise<FakeSubscription>;
	deauthorize: (accountId: string) => Promise<void>;
	sendEvent: (type: string, accountId: string | null, object: object) => Promise<FakeEvent>;
	/** The next API call matching method and path (exact string or RegExp) answers this error. */
	failNext: (method: string, path: string | RegExp, failure: InjectedError) => void;
	close: () => Promise<void>;
};

const API_VERSION = Stripe.API_VERSION;
const PLATFORM = '';
const CURRENCIES = new Set(Intl.supportedValuesOf('currency').map((c) => c.toLowerCase()));
const COUNTRY_CURRENCY: Record<string, string> = {
	US: 'usd',
	GB: 'gbp',
	CA: 'cad',
	AU: 'aud',
	CH: 'chf'
};

type Kind = keyof FakeObjects;
type ObjectOf<K extends Kind> = FakeObjects[K] extends Map<string, infer T> ? T : never;
type Ctx = {
	scope: string;
	params: Params;
	events: FakeEvent[];
	requestId: string;
	idempotencyKey: string | null;
};
type Route = [method: string, path: RegExp, handler: (ctx: Ctx, id: string) => object];

const now = (): number => Math.floor(Date.now() / 1000);

function randomId(prefix: string): string {
	const text = randomBytes(18).toString('base64').replace(/[+/=]/g, '');
	return `${prefix}_1${text.slice(0, 23)}`;
}

function missing(label: string, id: string, param = 'id'): StripeApiError {
	return new StripeApiError(
		404,
		'invalid_request_error',
		`No such ${label}: '${id}'`,
		'resource_missing',
		param
	);
}

function firstItem(sub: FakeSubscription): FakeSubscription['items']['data'][number] {
	const item = sub.items.data[0];
	if (!item) throw new Error(`fake stripe: ${sub.id} has no items`);
	return item;
}

export function addInterval(from: number, interval: Interval, count: number): number {
	const date = new Date(from * 1000);
	if (interval === 'day') date.setUTCDate(date.getUTCDate() + count);
	if (interval === 'week') date.setUTCDate(date.getUTCDate() + 7 * count);
	if (interval === 'month') date.setUTCMonth(date.getUTCMonth() + count);
	if (interval === 'year') date.setUTCFullYear(date.getUTCFullYear() + count);
	return Math.floor(date.getTime() / 1000);
}

/** mulberry32: small, seedable, good enough to shuffle deliveries reproducibly. */
function prng(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

function readBody(req: IncomingMessage): Promise<string> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
		req.on('error', reject);
	});
}

function header(req: IncomingMessage, name: string): string | null {
	const value = req.headers[name];
	return typeof value === 'string' && value !== '' ? value : null;
}

/** Starts the fake on a local port; see FakeStripe for what a test can do with it. */
export async function startFakeStripe(options: FakeStripeOptions = {}): Promise<FakeStripe> {
	const secretKey = options.secretKey ?? `sk_test_fake${randomBytes(12).toString('hex')}`;
	const webhookSecret = options.webhookSecret ?? `whsec_fake${randomBytes(12).toString('hex')}`;
	const seed = options.seed ?? Number(process.env.FAKE_STRIPE_SEED ?? 1);
	const random = prng(seed);
	const retries = options.retries ?? 2;
	const retryDelayMs = options.retryDelayMs ?? 20;
	let webhookUrl = options.webhookUrl ?? null;
	let mode: DeliveryMode = options.deliveryMode ?? 'immediate';
	let origin = '';

	const scopes = new Map<string, FakeObjects>();
	const plans = new Map<string, SessionPlan>();
	const accountLinks = new Map<
		string,
		{ account: string; refreshUrl: string; returnUrl: string; expiresAt: number }
	>();
	const portalSessions = new Map<string, { scope: string; customer: string; returnUrl: string }>();
	const revoked = new Set<string>();
	const failingRenewals = new Set<string>();
	const idempotent = new Map<string, { fingerprint: string; status: number; body: string }>();
	const failures: { method: string; path: string | RegExp; failure: InjectedError }[] = [];
	const requests: RecordedRequest[] = [];
	const deliveries: Delivery[] = [];
	const events: FakeEvent[] = [];
	let heldEvents: FakeEvent[] = [];
	let chain: Promise<void> = Promise.resolve();

	function objects(scope: string | null | undefined): FakeObjects {
		const key = scope ?? PLATFORM;
		let found = scopes.get(key);
		if (!found) {
			found = emptyObjects();
			scopes.set(key, found);
		}
		return found;
	}

	function get<K extends Kind>(
		scope: string,
		kind: K,
		id: string,
		label: string,
		param = 'id'
	): ObjectOf<K> {
		const found = objects(scope)[kind].get(id);
		if (!found) throw missing(label, id, param);
		return found as ObjectOf<K>;
	}

	/** Finds an object by id in whichever account holds it (hosted pages and test controls). */
	function locate<K extends Kind>(
		kind: K,
		id: string,
		label: string
	): { scope: string; object: ObjectOf<K> } {
		for (const [scope, all] of scopes) {
			const found = all[kind].get(id);
			if (found) return { scope, object: found as ObjectOf<K> };
		}
		throw missing(label, id);
	}

	function emit(
		scope: string,
		type: string,
		object: object,
		request: { id: string | null; idempotency_key: string | null } = {
			id: null,
			idempotency_key: null
		},
		previous?: Record<string, unknown>
	): FakeEvent {
		const event: FakeEvent = {
			id: randomId('evt'),
			object: 'event',
			api_version: API_VERSION,
			created: now(),
			type,
			...(scope !== PLATFORM ? { account: scope } : {}),
			data: {
				object: structuredClone(object),
				...(previous ? { previous_attributes: previous } : {})
			},
			livemode: false,
			pending_webhooks: 1,
			request
		};
		objects(scope).events.set(event.id, event);
		events.push(event);
		return event;
	}

	async function deliverOnce(event: FakeEvent): Promise<Delivery> {
		const target = webhookUrl;
		const attempt = deliveries.filter((d) => d.eventId === event.id).length + 1;
		let status = 0;
		if (target) {
			const payload = JSON.stringify(event, null, 2);
			const signature = Stripe.webhooks.generateTestHeaderString({
				payload,
				secret: webhookSecret
			});
			try {
				const response = await fetch(target, {
					method: 'POST',
					headers: {
						'content-type': 'application/json; charset=utf-8',
						'stripe-signature': signature,
						'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)'
					},
					body: payload,
					redirect: 'manual',
					signal: AbortSignal.timeout(15_000)
				});
				await response.arrayBuffer();
				status = response.status;
			} catch {
				status = 0;
			}
		}
		const delivery: Delivery = {
			eventId: event.id,
			type: event.type,
			account: event.account ?? null,
			attempt,
			status
		};
		deliveries.push(delivery);
		return delivery;
	}

	async function deliverWithRetries(event: FakeEvent): Promise<void> {
		if (!webhookUrl) return;
		for (let attempt = 0; attempt <= retries; attempt++) {
			const { status } = await deliverOnce(event);
			if (status >= 200 && status < 300) return;
			if (attempt < retries) await sleep(retryDelayMs * (attempt + 1));
		}
	}

	/** Delivers (immediate, in emission order) or keeps (held) the events; resolves when delivered. */
	function dispatch(list: FakeEvent[]): Promise<void> {
		if (mode === 'held') {
			heldEvents.push(...list);
			return Promise.resolve();
		}
		for (const event of list) chain = chain.then(() => deliverWithRetries(event));
		return chain;
	}

	async function deliverHeld(opts: DeliverHeldOptions = {}): Promise<Delivery[]> {
		const { times = 1, shuffle = false, concurrency = 1 } = opts;
		if (!webhookUrl) throw new Error('fake stripe: no webhook target set');
		const batch = heldEvents;
		heldEvents = [];
		const copies = batch.flatMap((event) => Array.from({ length: times }, () => event));
		const list = shuffle
			? copies
					.map((event) => ({ event, key: random() }))
					.sort((a, b) => a.key - b.key)
					.map(({ event }) => event)
			: copies;
		const made: Delivery[] = [];
		let next = 0;
		const worker = async (): Promise<void> => {
			for (let event = list[next++]; event; event = list[next++]) {
				made.push(await deliverOnce(event));
			}
		};
		await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
		return made;
	}

	// ---- objects and their changes -------------------------------------------------------------

	function account(ctx: Ctx, id: string): FakeAccount {
		if (ctx.scope !== PLATFORM && ctx.scope !== id) throw missing('account', id);
		return get(PLATFORM, 'accounts', id, 'account');
	}

	function onboard(id: string): FakeAccount {
		const acct = get(PLATFORM, 'accounts', id, 'account');
		acct.charges_enabled = true;
		acct.payouts_enabled = true;
		acct.details_submitted = true;
		acct.requirements = {
			currently_due: [],
			eventually_due: [],
			past_due: [],
			disabled_reason: null
		};
		return acct;
	}

	function price(scope: string, id: string, param: string): FakePrice {
		return get(scope, 'prices', id, 'price', param);
	}

	function newInvoice(
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
		objects(scope).invoices.set(invoice.id, invoice);
		sub.latest_invoice = invoice.id;
		return invoice;
	}

	function pay(sessionId: string): { session: FakeCheckoutSession; events: FakeEvent[] } {
		const { scope, object: session } = locate('checkoutSessions', sessionId, 'checkout.session');
		if (session.status !== 'open') {
			throw invalid(
				`This Checkout Session is no longer active (status ${session.status}).`,
				'session',
				'checkout_session_inactive'
			);
		}
		if (session.expires_at <= now()) throw invalid('This Checkout Session has expired.', 'session');
		const plan = plans.get(session.id);
		if (!plan || session.mode !== 'subscription')
			throw invalid('The fake only pays subscription-mode sessions.');
		const created = now();
		const store = objects(scope);
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
			store.customers.set(customer.id, customer);
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
					const p = structuredClone(price(scope, line.price, 'price'));
					const interval = p.recurring ?? { interval: 'month' as const, interval_count: 1 };
					return {
						id: randomId('si'),
						object: 'subscription_item' as const,
						created,
						metadata: {},
						price: p,
						quantity: line.quantity,
						subscription: subId,
						current_period_start: created,
						current_period_end: addInterval(created, interval.interval, interval.interval_count)
					};
				}),
				has_more: false,
				total_count: plan.lineItems.length,
				url: `/v1/subscription_items?subscription=${subId}`
			},
			latest_invoice: null,
			application_fee_percent: plan.applicationFeePercent
		};
		store.subscriptions.set(sub.id, sub);
		const invoice = newInvoice(scope, sub, 'subscription_create', true);
		Object.assign(session, {
			status: 'complete',
			payment_status: 'paid',
			customer: customerId,
			customer_details: { email: session.customer_email },
			subscription: sub.id,
			url: null
		});
		return {
			session,
			events: [
				emit(scope, 'checkout.session.completed', session),
				emit(scope, 'customer.subscription.created', sub),
				emit(scope, 'invoice.paid', invoice)
			]
		};
	}

	function expire(scope: string, session: FakeCheckoutSession, ctx?: Ctx): FakeEvent {
		if (session.status !== 'open') {
			throw invalid(
				'Only Checkout Sessions with a status in [open] can be expired.',
				undefined,
				'checkout_session_not_open'
			);
		}
		session.status = 'expired';
		session.url = null;
		return emit(scope, 'checkout.session.expired', session, requestOf(ctx));
	}

	function requestOf(ctx?: Ctx): { id: string | null; idempotency_key: string | null } {
		return { id: ctx?.requestId ?? null, idempotency_key: ctx?.idempotencyKey ?? null };
	}

	/** Applies a change; emits customer.subscription.updated with what it changed, if anything. */
	function changeSubscription(
		scope: string,
		sub: FakeSubscription,
		mutate: () => void,
		ctx?: Ctx
	): FakeEvent | null {
		const before = structuredClone(sub);
		mutate();
		const previous: Record<string, unknown> = {};
		for (const key of Object.keys(sub) as (keyof FakeSubscription)[]) {
			if (JSON.stringify(before[key]) !== JSON.stringify(sub[key])) previous[key] = before[key];
		}
		if (Object.keys(previous).length === 0) return null;
		return emit(scope, 'customer.subscription.updated', sub, requestOf(ctx), previous);
	}

	function cancelNow(scope: string, sub: FakeSubscription, reason: string, ctx?: Ctx): FakeEvent {
		Object.assign(sub, {
			status: 'canceled',
			canceled_at: now(),
			ended_at: now(),
			cancellation_details: { ...sub.cancellation_details, reason }
		});
		return emit(scope, 'customer.subscription.deleted', sub, requestOf(ctx));
	}

	function requestCancelAtPeriodEnd(
		scope: string,
		sub: FakeSubscription,
		flag: boolean,
		ctx?: Ctx
	): FakeEvent | null {
		return changeSubscription(
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
				}),
			ctx
		);
	}

	function expanded(scope: string, value: object, paths: string[]): object {
		const copy: Record<string, unknown> = { ...structuredClone(value) };
		for (const path of paths) {
			const [head = '', ...rest] = path.split('.');
			const field = copy[head];
			if (head === 'line_items' && copy.object === 'checkout.session') {
				const plan = plans.get(String(copy.id));
				copy.line_items = {
					object: 'list',
					has_more: false,
					url: `/v1/checkout/sessions/${String(copy.id)}/line_items`,
					data: (plan?.lineItems ?? []).map((line) => {
						const p = price(scope, line.price, 'price');
						return {
							id: randomId('li'),
							object: 'item',
							price: p,
							quantity: line.quantity,
							currency: p.currency,
							amount_total: p.unit_amount * line.quantity
						};
					})
				};
			} else if (typeof field === 'string') {
				const found = [...Object.values(objects(scope)), objects(PLATFORM).accounts]
					.map((all: Map<string, object>) => all.get(field))
					.find((o) => o !== undefined);
				if (found)
					copy[head] = rest.length
						? expanded(scope, found, [rest.join('.')])
						: structuredClone(found);
			} else if (field && typeof field === 'object' && rest.length) {
				copy[head] = expanded(scope, field, [rest.join('.')]);
			} else if (field === undefined) {
				throw invalid(`This property cannot be expanded (${path}).`, 'expand');
			}
		}
		return copy;
	}

	// ---- API routes --------------------------------------------------------------------------------

	const id = '([A-Za-z0-9_]+)';
	const routes: Route[] = [
		[
			'POST',
			/^\/v1\/accounts$/,
			(ctx) => {
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
				if (ctx.scope !== PLATFORM)
					throw invalid('A connected account cannot create connected accounts.');
				const type = p.oneOf('type', ['standard', 'express', 'custom'] as const);
				if (!type) throw invalid('Missing required param: type.', 'type', 'parameter_missing');
				const country = (p.string('country') ?? 'US').toUpperCase();
				if (!/^[A-Z]{2}$/.test(country)) throw invalid(`Invalid country: ${country}`, 'country');
				const acct: FakeAccount = {
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
						currently_due: [
							'business_profile.url',
							'external_account',
							'tos_acceptance.date',
							'tos_acceptance.ip'
						],
						eventually_due: [
							'business_profile.url',
							'external_account',
							'tos_acceptance.date',
							'tos_acceptance.ip'
						],
						past_due: [],
						disabled_reason: 'requirements.past_due'
					}
				};
				objects(PLATFORM).accounts.set(acct.id, acct);
				return acct;
			}
		],
		['GET', new RegExp(`^/v1/accounts/${id}$`), (ctx, acctId) => account(ctx, acctId)],
		[
			'POST',
			new RegExp(`^/v1/accounts/${id}$`),
			(ctx, acctId) => {
				const p = ctx.params.only(['metadata', 'email', 'business_profile']);
				const acct = account(ctx, acctId);
				acct.metadata = p.metadata(acct.metadata);
				acct.email = p.string('email') ?? acct.email;
				ctx.events.push(emit(acct.id, 'account.updated', acct, requestOf(ctx)));
				return acct;
			}
		],
		[
			'DELETE',
			new RegExp(`^/v1/accounts/${id}$`),
			(ctx, acctId) => {
				account(ctx, acctId);
				objects(PLATFORM).accounts.delete(acctId);
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
				const acct = account(ctx, p.required('account'));
				const refreshUrl = p.required('refresh_url');
				const returnUrl = p.required('return_url');
				if (!p.oneOf('type', ['account_onboarding', 'account_update'] as const)) {
					throw invalid('Missing required param: type.', 'type', 'parameter_missing');
				}
				const linkId = randomBytes(12).toString('hex');
				const expiresAt = now() + 300;
				accountLinks.set(linkId, { account: acct.id, refreshUrl, returnUrl, expiresAt });
				return {
					object: 'account_link',
					created: now(),
					expires_at: expiresAt,
					url: `${origin}/_fake/onboarding/${linkId}`
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
				objects(ctx.scope).products.set(product.id, product);
				return product;
			}
		],
		[
			'GET',
			new RegExp(`^/v1/products/${id}$`),
			(ctx, prodId) => get(ctx.scope, 'products', prodId, 'product')
		],
		[
			'POST',
			new RegExp(`^/v1/products/${id}$`),
			(ctx, prodId) => {
				const p = ctx.params.only(['name', 'active', 'description', 'metadata']);
				const product = get(ctx.scope, 'products', prodId, 'product');
				Object.assign(product, {
					name: p.string('name') ?? product.name,
					description: p.string('description') ?? product.description,
					active: p.boolean('active') ?? product.active,
					metadata: p.metadata(product.metadata)
				});
				return product;
			}
		],
		[
			'POST',
			/^\/v1\/prices$/,
			(ctx) => {
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
				const product = get(ctx.scope, 'products', p.required('product'), 'product', 'product');
				const currency = p.required('currency').toLowerCase();
				if (!CURRENCIES.has(currency)) throw invalid(`Invalid currency: ${currency}`, 'currency');
				const unitAmount = p.integer('unit_amount');
				if (unitAmount === undefined)
					throw invalid('Missing required param: unit_amount.', 'unit_amount', 'parameter_missing');
				if (unitAmount < 0) throw invalid('Invalid unit_amount: must be at least 0', 'unit_amount');
				const r = p.object('recurring');
				let recurring: FakePrice['recurring'] = null;
				if (r) {
					const interval = r.oneOf('interval', ['day', 'week', 'month', 'year'] as const);
					if (!interval)
						throw invalid(
							'Missing required param: recurring[interval].',
							'recurring[interval]',
							'parameter_missing'
						);
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
				objects(ctx.scope).prices.set(created.id, created);
				return created;
			}
		],
		['GET', new RegExp(`^/v1/prices/${id}$`), (ctx, priceId) => price(ctx.scope, priceId, 'id')],
		[
			'POST',
			new RegExp(`^/v1/prices/${id}$`),
			(ctx, priceId) => {
				const p = ctx.params.only(['active', 'metadata', 'nickname']);
				const found = price(ctx.scope, priceId, 'id');
				Object.assign(found, {
					active: p.boolean('active') ?? found.active,
					nickname: p.string('nickname') ?? found.nickname,
					metadata: p.metadata(found.metadata)
				});
				return found;
			}
		],
		['POST', /^\/v1\/checkout\/sessions$/, (ctx) => createCheckout(ctx)],
		[
			'GET',
			new RegExp(`^/v1/checkout/sessions/${id}$`),
			(ctx, csId) => get(ctx.scope, 'checkoutSessions', csId, 'checkout.session', 'session')
		],
		[
			'POST',
			new RegExp(`^/v1/checkout/sessions/${id}/expire$`),
			(ctx, csId) => {
				ctx.params.only([]);
				const session = get(ctx.scope, 'checkoutSessions', csId, 'checkout.session', 'session');
				ctx.events.push(expire(ctx.scope, session, ctx));
				return session;
			}
		],
		[
			'GET',
			new RegExp(`^/v1/customers/${id}$`),
			(ctx, cusId) => get(ctx.scope, 'customers', cusId, 'customer')
		],
		[
			'GET',
			new RegExp(`^/v1/subscriptions/${id}$`),
			(ctx, subId) => get(ctx.scope, 'subscriptions', subId, 'subscription')
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
				const sub = get(ctx.scope, 'subscriptions', subId, 'subscription');
				const flag = p.boolean('cancel_at_period_end');
				if (sub.status === 'canceled' && flag !== undefined) {
					throw invalid(
						'A canceled subscription can only update its cancellation_details and metadata.',
						'cancel_at_period_end'
					);
				}
				const metadata = p.metadata(sub.metadata);
				const metadataEvent = changeSubscription(
					ctx.scope,
					sub,
					() => (sub.metadata = metadata),
					ctx
				);
				if (metadataEvent) ctx.events.push(metadataEvent);
				const cancelEvent =
					flag === undefined ? null : requestCancelAtPeriodEnd(ctx.scope, sub, flag, ctx);
				if (cancelEvent) ctx.events.push(cancelEvent);
				return sub;
			}
		],
		[
			'DELETE',
			new RegExp(`^/v1/subscriptions/${id}$`),
			(ctx, subId) => {
				ctx.params.only(['invoice_now', 'prorate', 'cancellation_details']);
				const sub = get(ctx.scope, 'subscriptions', subId, 'subscription');
				if (sub.status === 'canceled') {
					throw invalid(
						'A canceled subscription can only update its cancellation_details and metadata.'
					);
				}
				ctx.events.push(cancelNow(ctx.scope, sub, 'cancellation_requested', ctx));
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
				const customer = get(
					ctx.scope,
					'customers',
					p.required('customer'),
					'customer',
					'customer'
				);
				const returnUrl = p.string('return_url') ?? `${origin}/_fake/portal-returned`;
				const portalId = randomId('bps');
				portalSessions.set(portalId, { scope: ctx.scope, customer: customer.id, returnUrl });
				return {
					id: portalId,
					object: 'billing_portal.session',
					created: now(),
					livemode: false,
					customer: customer.id,
					return_url: returnUrl,
					locale: null,
					url: `${origin}/_fake/portal/${portalId}`
				};
			}
		],
		[
			'GET',
			new RegExp(`^/v1/invoices/${id}$`),
			(ctx, inId) => get(ctx.scope, 'invoices', inId, 'invoice')
		],
		[
			'GET',
			new RegExp(`^/v1/events/${id}$`),
			(ctx, evtId) => get(ctx.scope, 'events', evtId, 'event')
		]
	];

	function createCheckout(ctx: Ctx): FakeCheckoutSession {
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
		if (email && customer)
			throw invalid(
				'You may only specify one of these parameters: customer, customer_email.',
				'customer_email'
			);
		if (customer) get(ctx.scope, 'customers', customer, 'customer', 'customer');
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
		if (items.length === 0 && mode !== 'setup')
			throw invalid('Missing required param: line_items.', 'line_items', 'parameter_missing');
		const lineItems = items.map((item, i) => {
			item.only(['price', 'quantity']);
			const found = price(ctx.scope, item.required('price'), `line_items[${i}][price]`);
			if (!found.active)
				throw invalid(
					'The price specified is inactive. This field only accepts active prices.',
					`line_items[${i}][price]`
				);
			const quantity = item.integer('quantity');
			if (quantity === undefined)
				throw invalid(
					`Quantity is required. Add \`quantity\` to \`line_items[${i}]\``,
					`line_items[${i}][quantity]`,
					'parameter_missing'
				);
			if (quantity < 1)
				throw invalid(
					'This value must be greater than or equal to 1.',
					`line_items[${i}][quantity]`
				);
			return { price: found, quantity };
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
		const currencies = new Set(lineItems.map((l) => l.price.currency));
		if (currencies.size > 1)
			throw invalid('All prices on a Checkout Session must have the same currency.', 'line_items');
		const sd = p.object('subscription_data');
		if (sd && mode !== 'subscription')
			throw invalid(
				'You can only set `subscription_data` in `subscription` mode.',
				'subscription_data'
			);
		sd?.only(['metadata', 'application_fee_percent', 'description', 'trial_period_days']);
		const fee = sd?.decimal('application_fee_percent') ?? null;
		if (fee !== null && ctx.scope === PLATFORM) {
			throw invalid(
				'Can only apply an application_fee_percent when the request is made on behalf of another account (using an OAuth key, the Stripe-Account header, or the destination parameter).',
				'subscription_data[application_fee_percent]'
			);
		}
		if (fee !== null && fee > 100)
			throw invalid(
				'application_fee_percent must be between 0 and 100.',
				'subscription_data[application_fee_percent]'
			);
		const session: FakeCheckoutSession = {
			id: randomId('cs_test'),
			object: 'checkout.session',
			created,
			livemode: false,
			metadata: p.metadata(),
			mode,
			status: 'open',
			payment_status: 'unpaid',
			url: null,
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
		session.url = `${origin}/_fake/checkout/${session.id}`;
		objects(ctx.scope).checkoutSessions.set(session.id, session);
		plans.set(session.id, {
			lineItems: lineItems.map((l) => ({ price: l.price.id, quantity: l.quantity })),
			subscriptionMetadata: sd?.metadata() ?? {},
			applicationFeePercent: fee
		});
		return session;
	}

	// ---- HTTP ----------------------------------------------------------------------------------------

	function sendJson(
		res: ServerResponse,
		status: number,
		body: string,
		extra: Record<string, string> = {}
	): void {
		res.writeHead(status, {
			'content-type': 'application/json',
			'content-length': Buffer.byteLength(body),
			...extra
		});
		res.end(body);
	}

	function sendHtml(res: ServerResponse, status: number, html: string): void {
		res.writeHead(status, {
			'content-type': 'text/html; charset=utf-8',
			'content-length': Buffer.byteLength(html)
		});
		res.end(html);
	}

	function redirect(res: ServerResponse, location: string): void {
		res.writeHead(303, { location, 'content-length': 0 });
		res.end();
	}

	async function api(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
		const method = req.method ?? 'GET';
		const raw = await readBody(req);
		const stripeAccount = header(req, 'stripe-account');
		const idempotencyKey = header(req, 'idempotency-key');
		const requestId = randomId('req');
		const entry: RecordedRequest = {
			method,
			path: url.pathname,
			stripeAccount,
			idempotencyKey,
			body: {},
			status: 0
		};
		requests.push(entry);
		const answer = (status: number, body: string, extra: Record<string, string> = {}): void => {
			entry.status = status;
			sendJson(res, status, body, {
				'request-id': requestId,
				'stripe-version': API_VERSION,
				...extra
			});
		};
		try {
			entry.body = parseForm(method === 'POST' ? raw : url.search.slice(1));
			const auth = header(req, 'authorization');
			if (!auth) {
				throw new StripeApiError(
					401,
					'invalid_request_error',
					"You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY')."
				);
			}
			// Stripe takes the key as Bearer token or as Basic user name (`curl -u sk_test_…:`).
			const basic = `Basic ${Buffer.from(`${secretKey}:`).toString('base64')}`;
			if (auth !== `Bearer ${secretKey}` && auth !== basic) {
				throw new StripeApiError(
					401,
					'invalid_request_error',
					`Invalid API Key provided: ${auth.replace(/^Bearer /, '').slice(0, 8)}****`
				);
			}
			if (
				stripeAccount &&
				(revoked.has(stripeAccount) || !objects(PLATFORM).accounts.has(stripeAccount))
			) {
				throw new StripeApiError(
					403,
					'invalid_request_error',
					`The provided key does not have access to account '${stripeAccount}' (or that account does not exist). Application access may have been revoked.`,
					'account_invalid'
				);
			}
			const injected = failures.find(
				(f) =>
					f.method === method &&
					(typeof f.path === 'string' ? f.path === url.pathname : f.path.test(url.pathname))
			);
			if (injected) {
				failures.splice(failures.indexOf(injected), 1);
				const { failure } = injected;
				answer(failure.status, JSON.stringify({ error: failure.error }), {
					'stripe-should-retry': 'false'
				});
				return;
			}
			const replayKey =
				idempotencyKey && method === 'POST' ? `${stripeAccount ?? ''}|${idempotencyKey}` : null;
			const fingerprint = `${method} ${url.pathname} ${raw}`;
			const stored = replayKey ? idempotent.get(replayKey) : undefined;
			if (stored) {
				if (stored.fingerprint !== fingerprint) {
					throw new StripeApiError(
						400,
						'idempotency_error',
						`Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`
					);
				}
				answer(stored.status, stored.body, {
					'idempotent-replayed': 'true',
					'original-request': requestId
				});
				return;
			}
			const matched = routes
				.map(([m, path, handler]) => ({
					handler,
					match: m === method ? path.exec(url.pathname) : null
				}))
				.find((r) => r.match);
			if (!matched?.match) {
				throw new StripeApiError(
					404,
					'invalid_request_error',
					`Unrecognized request URL (${method}: ${url.pathname}). The fake Stripe (tests/fakes/stripe.ts) does not implement it.`
				);
			}
			// Only `expand` is known to the retrieve endpoints, as at Stripe.
			if (method === 'GET') new Params(entry.body).only([]);
			const ctx: Ctx = {
				scope: stripeAccount ?? PLATFORM,
				params: new Params(entry.body),
				events: [],
				requestId,
				idempotencyKey
			};
			const body = matched.handler(ctx, matched.match[1] ?? '');
			const text = JSON.stringify(expanded(ctx.scope, body, ctx.params.strings('expand')));
			if (replayKey) idempotent.set(replayKey, { fingerprint, status: 200, body: text });
			// Not awaited, as at Stripe: an app holding a lock while it calls Stripe must not wait
			// for its own webhook (which may arrive before this answer does). `idle()` waits for it.
			void dispatch(ctx.events);
			answer(200, text);
		} catch (error) {
			if (error instanceof StripeApiError) answer(error.status, JSON.stringify(error.body()));
			else answer(500, JSON.stringify({ error: { type: 'api_error', message: String(error) } }));
		}
	}

	async function hosted(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
		const method = req.method ?? 'GET';
		const [, , kind, key, action] = url.pathname.split('/');
		try {
			const form = new Params(parseForm(method === 'POST' ? await readBody(req) : ''));
			if (kind === 'health') return sendJson(res, 200, JSON.stringify({ ok: true }));
			if (kind === 'control' && options.httpControls && method === 'POST') {
				const result = await control(key ?? '', form);
				return sendJson(res, 200, JSON.stringify(result ?? { ok: true }));
			}
			if (kind === 'onboarding') {
				const link = accountLinks.get(key ?? '');
				if (!link)
					return sendHtml(
						res,
						404,
						errorPage('Link not found', 'This onboarding link does not exist.', 404)
					);
				if (link.expiresAt < now()) return redirect(res, link.refreshUrl);
				const acct = get(PLATFORM, 'accounts', link.account, 'account');
				if (method === 'GET' && !action)
					return sendHtml(
						res,
						200,
						onboardingPage(acct, `/_fake/onboarding/${key}/complete`, link.refreshUrl)
					);
				if (method === 'POST' && action === 'complete') {
					await completeOnboarding(acct.id);
					accountLinks.delete(key ?? '');
					return redirect(res, link.returnUrl);
				}
			}
			if (kind === 'checkout') {
				const { scope, object: session } = locate(
					'checkoutSessions',
					key ?? '',
					'checkout.session'
				);
				if (method === 'GET' && !action) {
					if (session.status !== 'open' || session.expires_at <= now()) {
						return sendHtml(
							res,
							410,
							errorPage(
								'Checkout unavailable',
								`This checkout session is ${session.status === 'open' ? 'expired' : session.status}.`,
								410
							)
						);
					}
					const lines = (plans.get(session.id)?.lineItems ?? []).map((l) => ({
						price: price(scope, l.price, 'price'),
						quantity: l.quantity
					}));
					return sendHtml(
						res,
						200,
						checkoutPage(session, lines, `/_fake/checkout/${session.id}/pay`)
					);
				}
				if (method === 'POST' && action === 'pay') {
					await completeCheckout(session.id);
					return redirect(
						res,
						(session.success_url ?? `${origin}/_fake/health`).replaceAll(
							'{CHECKOUT_SESSION_ID}',
							session.id
						)
					);
				}
			}
			if (kind === 'portal') {
				const portal = portalSessions.get(key ?? '');
				if (!portal)
					return sendHtml(
						res,
						404,
						errorPage('Not found', 'This portal session does not exist.', 404)
					);
				const mine = [...objects(portal.scope).subscriptions.values()].filter(
					(s) => s.customer === portal.customer
				);
				if (method === 'GET' && !action)
					return sendHtml(
						res,
						200,
						portalPage(mine, `/_fake/portal/${key}/cancel`, portal.returnUrl)
					);
				if (method === 'POST' && action === 'cancel') {
					const sub = mine.find((s) => s.id === form.required('subscription'));
					if (!sub || sub.status === 'canceled')
						throw invalid('No such subscription for this customer.', 'subscription');
					const event = requestCancelAtPeriodEnd(portal.scope, sub, true);
					await dispatch(event ? [event] : []);
					return redirect(res, `/_fake/portal/${key}`);
				}
			}
			sendHtml(res, 404, errorPage('Not found', `Nothing at ${method} ${url.pathname}.`, 404));
		} catch (error) {
			const status = error instanceof StripeApiError ? error.status : 500;
			sendHtml(
				res,
				status,
				errorPage(
					'Something went wrong',
					error instanceof Error ? error.message : String(error),
					status
				)
			);
		}
	}

	const server = createServer((req, res) => {
		const url = new URL(req.url ?? '/', origin || 'http://localhost');
		const handler = url.pathname.startsWith('/_fake/') ? hosted : api;
		handler(req, res, url).catch((error: unknown) => {
			if (!res.headersSent)
				sendJson(
					res,
					500,
					JSON.stringify({ error: { type: 'api_error', message: String(error) } })
				);
		});
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
	});
	const { port } = server.address() as AddressInfo;
	origin = `http://${options.host ?? '127.0.0.1'}:${port}`;

	// ---- test controls --------------------------------------------------------------------------------

	async function completeOnboarding(accountId: string): Promise<FakeAccount> {
		const acct = onboard(accountId);
		await dispatch([emit(acct.id, 'account.updated', acct)]);
		return acct;
	}

	async function completeCheckout(sessionId: string): Promise<FakeCheckoutSession> {
		const { session, events: made } = pay(sessionId);
		await dispatch(made);
		return session;
	}

	async function expireCheckout(sessionId: string): Promise<FakeCheckoutSession> {
		const { scope, object: session } = locate('checkoutSessions', sessionId, 'checkout.session');
		await dispatch([expire(scope, session)]);
		return session;
	}

	async function failPayment(subscriptionId: string): Promise<FakeSubscription> {
		const { scope, object: sub } = locate('subscriptions', subscriptionId, 'subscription');
		if (sub.status === 'canceled') throw new Error(`fake stripe: ${sub.id} is canceled`);
		const made: FakeEvent[] = [];
		const updated = changeSubscription(scope, sub, () => {
			made.push(
				emit(scope, 'invoice.payment_failed', newInvoice(scope, sub, 'subscription_cycle', false))
			);
			sub.status = 'past_due';
		});
		await dispatch(updated ? [...made, updated] : made);
		return sub;
	}

	async function recoverPayment(subscriptionId: string): Promise<FakeSubscription> {
		const { scope, object: sub } = locate('subscriptions', subscriptionId, 'subscription');
		const invoice = sub.latest_invoice
			? objects(scope).invoices.get(sub.latest_invoice)
			: undefined;
		if (!invoice || invoice.status !== 'open')
			throw new Error(`fake stripe: ${sub.id} has no unpaid invoice`);
		Object.assign(invoice, {
			status: 'paid',
			amount_paid: invoice.amount_due,
			amount_remaining: 0,
			status_transitions: { paid_at: now() }
		});
		const paid = emit(scope, 'invoice.paid', invoice);
		const updated = changeSubscription(scope, sub, () => (sub.status = 'active'));
		await dispatch(updated ? [paid, updated] : [paid]);
		return sub;
	}

	async function endPeriod(subscriptionId: string): Promise<FakeSubscription> {
		const { scope, object: sub } = locate('subscriptions', subscriptionId, 'subscription');
		if (sub.status === 'canceled') throw new Error(`fake stripe: ${sub.id} is already canceled`);
		if (sub.cancel_at_period_end) {
			await dispatch([cancelNow(scope, sub, 'cancellation_requested')]);
			return sub;
		}
		const failing = failingRenewals.delete(sub.id);
		const made: FakeEvent[] = [];
		const updated = changeSubscription(scope, sub, () => {
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
			const invoice = newInvoice(scope, sub, 'subscription_cycle', !failing);
			made.push(emit(scope, failing ? 'invoice.payment_failed' : 'invoice.paid', invoice));
			sub.status = failing ? 'past_due' : 'active';
		});
		await dispatch(updated ? [...made, updated] : made);
		return sub;
	}

	function failNextPayment(subscriptionId: string): undefined {
		locate('subscriptions', subscriptionId, 'subscription');
		failingRenewals.add(subscriptionId);
	}

	async function deauthorize(accountId: string): Promise<void> {
		get(PLATFORM, 'accounts', accountId, 'account');
		revoked.add(accountId);
		await dispatch([
			emit(accountId, 'account.application.deauthorized', {
				id: 'ca_fake',
				object: 'application',
				name: 'Sessionboard'
			})
		]);
	}

	async function sendEvent(
		type: string,
		accountId: string | null,
		object: object
	): Promise<FakeEvent> {
		const event = emit(accountId ?? PLATFORM, type, object);
		await dispatch([event]);
		return event;
	}

	async function control(name: string, form: Params): Promise<object | undefined> {
		const controls: Record<string, (id: string) => Promise<object | undefined>> = {
			completeOnboarding,
			completeCheckout,
			expireCheckout,
			failPayment,
			recoverPayment,
			endPeriod,
			deauthorize: async (accountId) => {
				await deauthorize(accountId);
				return undefined;
			},
			failNextPayment: async (subscriptionId) => failNextPayment(subscriptionId),
			deliveryMode: async (next) => {
				mode = next === 'held' ? 'held' : 'immediate';
				return undefined;
			},
			deliverHeld: async () => ({
				deliveries: await deliverHeld({
					times: form.integer('times') ?? 1,
					shuffle: form.boolean('shuffle') ?? false
				})
			})
		};
		const run = controls[name];
		if (!run) throw missing('control', name);
		return run(form.string('id') ?? '');
	}

	return {
		url: origin,
		port,
		secretKey,
		webhookSecret,
		seed,
		requests,
		deliveries,
		events,
		objects,
		setWebhookTarget: (target) => {
			webhookUrl = target;
		},
		setDeliveryMode: (next) => {
			mode = next;
		},
		held: () => [...heldEvents],
		deliverHeld,
		idle: async () => {
			let seen: Promise<void> | null = null;
			while (seen !== chain) {
				seen = chain;
				await chain;
			}
		},
		completeOnboarding,
		completeCheckout,
		expireCheckout,
		failNextPayment,
		failPayment,
		recoverPayment,
		endPeriod,
		deauthorize,
		sendEvent,
		failNext: (method, path, failure) => {
			failures.push({ method: method.toUpperCase(), path, failure });
		},
		close: async () => {
			await chain;
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		}
	};
}
