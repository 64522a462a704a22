/**
 * A local fake Stripe that the official `stripe` SDK talks to over HTTP
 * (`new Stripe(key, { host, port, protocol: 'http' })`), speaking the real protocol: form bodies
 * in bracket notation, Bearer key, Stripe-Account scoping, idempotency keys, Stripe's errors.
 * It serves hosted onboarding, Checkout and portal pages, and sends signed webhooks. Test
 * controls make happen what only Stripe can (a payment, a renewal, a failure).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as billing from './stripe-parts/billing';
import {
	Webhooks,
	type DeliverHeldOptions,
	type Delivery,
	type DeliveryMode
} from './stripe-parts/delivery';
import { parseForm, Params, StripeApiError, invalid, type FormObject } from './stripe-parts/form';
import { checkoutPage, errorPage, onboardingPage, portalPage } from './stripe-parts/pages';
import { expanded, routes, type Ctx } from './stripe-parts/routes';
import { API_VERSION, missing, now, PLATFORM, randomId, Store } from './stripe-parts/store';
import type {
	FakeAccount,
	FakeCheckoutSession,
	FakeEvent,
	FakeObjects,
	FakeSubscription
} from './stripe-parts/types';

export type * from './stripe-parts/types';
export type { DeliverHeldOptions, Delivery, DeliveryMode } from './stripe-parts/delivery';

export type FakeStripeOptions = {
	host?: string;
	/** 0 (the default) picks a free port. */
	port?: number;
	secretKey?: string;
	webhookSecret?: string;
	/** Where events are POSTed; null keeps them undelivered until `setWebhookTarget`. */
	webhookUrl?: string | null;
	deliveryMode?: DeliveryMode;
	/** Seeds the shuffle of `deliverHeld` (default FAKE_STRIPE_SEED or 1), so an order replays. */
	seed?: number;
	/** Retries of a non-2xx delivery in immediate mode (default 2). */
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

export type InjectedError = {
	status: number;
	error: { type: string; message: string; code?: string; param?: string };
};

export type FakeStripe = {
	/** Origin of the fake, e.g. http://127.0.0.1:41234: the app's STRIPE_API_URL. */
	url: string;
	port: number;
	secretKey: string;
	webhookSecret: string;
	seed: number;
	/** Every API call, in order. */
	requests: RecordedRequest[];
	/** Every delivery attempt, in order. */
	deliveries: Delivery[];
	/** Every event emitted, in order (per account also in `objects(account).events`). */
	events: FakeEvent[];
	/** The objects of a connected account, or of the platform without an id. Live maps. */
	objects: (account?: string | null) => FakeObjects;
	setWebhookTarget: (url: string | null) => void;
	setDeliveryMode: (mode: DeliveryMode) => void;
	/** Events kept in held mode, not yet delivered. */
	held: () => FakeEvent[];
	/** Sends each held event `times` times (in a seeded shuffled order if asked); no retries. */
	deliverHeld: (options?: DeliverHeldOptions) => Promise<Delivery[]>;
	/**
	 * Resolves once every immediate delivery so far has finished, including those caused by API
	 * calls (which, as at Stripe, are not awaited by the call).
	 */
	idle: () => Promise<void>;
	completeOnboarding: (accountId: string) => Promise<FakeAccount>;
	/** What the hosted page's Pay button does. */
	completeCheckout: (sessionId: string) => Promise<FakeCheckoutSession>;
	expireCheckout: (sessionId: string) => Promise<FakeCheckoutSession>;
	/** The subscription's next renewal (`endPeriod`) fails. */
	failNextPayment: (subscriptionId: string) => void;
	/** A payment fails now: a new open invoice, the subscription past_due. */
	failPayment: (subscriptionId: string) => Promise<FakeSubscription>;
	recoverPayment: (subscriptionId: string) => Promise<FakeSubscription>;
	endPeriod: (subscriptionId: string) => Promise<FakeSubscription>;
	/** The account disconnects the platform; its Stripe-Account header is refused from then on. */
	deauthorize: (accountId: string) => Promise<void>;
	sendEvent: (type: string, accountId: string | null, object: object) => Promise<FakeEvent>;
	/** The next API call matching method and path (exact string or RegExp) answers this error. */
	failNext: (method: string, path: string | RegExp, failure: InjectedError) => void;
	close: () => Promise<void>;
};

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

/** Starts the fake on a local port; see FakeStripe for what a test can do with it. */
export async function startFakeStripe(options: FakeStripeOptions = {}): Promise<FakeStripe> {
	const secretKey = options.secretKey ?? `sk_test_fake${randomBytes(12).toString('hex')}`;
	const webhookSecret = options.webhookSecret ?? `whsec_fake${randomBytes(12).toString('hex')}`;
	const seed = options.seed ?? Number(process.env.FAKE_STRIPE_SEED ?? 1);
	const store = new Store();
	const webhooks = new Webhooks(webhookSecret, {
		target: options.webhookUrl ?? null,
		mode: options.deliveryMode ?? 'immediate',
		seed,
		retries: options.retries ?? 2,
		retryDelayMs: options.retryDelayMs ?? 20
	});
	const api = routes(store);
	const idempotent = new Map<string, { fingerprint: string; body: string }>();
	const failures: { method: string; path: string | RegExp; failure: InjectedError }[] = [];
	const requests: RecordedRequest[] = [];

	function authenticate(req: IncomingMessage, stripeAccount: string | null): void {
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
		const accounts = store.objects(PLATFORM).accounts;
		if (stripeAccount && (store.revoked.has(stripeAccount) || !accounts.has(stripeAccount))) {
			throw new StripeApiError(
				403,
				'invalid_request_error',
				// Stripe's own wording, with the key's last characters in it.
				`The provided key '${secretKey.slice(0, 8)}${'*'.repeat(24)}${secretKey.slice(-4)}' does not have access to account '${stripeAccount}' (or that account does not exist). Application access may have been revoked.`,
				'account_invalid'
			);
		}
	}

	async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
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
			authenticate(req, stripeAccount);
			const injected = failures.find(
				(f) =>
					f.method === method &&
					(typeof f.path === 'string' ? f.path === url.pathname : f.path.test(url.pathname))
			);
			if (injected) {
				failures.splice(failures.indexOf(injected), 1);
				const { status, error } = injected.failure;
				answer(status, JSON.stringify({ error }), { 'stripe-should-retry': 'false' });
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
				answer(200, stored.body, { 'idempotent-replayed': 'true', 'original-request': requestId });
				return;
			}
			const matched = api
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
				request: { id: requestId, idempotency_key: idempotencyKey },
				events: []
			};
			const result = matched.handler(ctx, matched.match[1] ?? '');
			const expand = ctx.params.strings('expand');
			const text = JSON.stringify(expanded(store, ctx.scope, result, expand));
			if (replayKey) idempotent.set(replayKey, { fingerprint, body: text });
			// Not awaited, as at Stripe: an app holding a lock while it calls Stripe must not wait
			// for its own webhook (which may even arrive before this answer). `idle()` waits.
			void webhooks.dispatch(ctx.events);
			answer(200, text);
		} catch (error) {
			if (error instanceof StripeApiError) answer(error.status, JSON.stringify(error.body()));
			else answer(500, JSON.stringify({ error: { type: 'api_error', message: String(error) } }));
		}
	}

	async function onboardingRoute(
		res: ServerResponse,
		method: string,
		key: string,
		action?: string
	) {
		const link = store.accountLinks.get(key);
		if (!link) {
			return sendHtml(res, 404, errorPage('Link not found', 'No such onboarding link.', 404));
		}
		if (link.expiresAt < now()) return redirect(res, link.refreshUrl);
		const account = store.get(PLATFORM, 'accounts', link.account, 'account');
		if (method === 'GET' && !action) {
			const page = onboardingPage(account, `/_fake/onboarding/${key}/complete`, link.refreshUrl);
			return sendHtml(res, 200, page);
		}
		if (method === 'POST' && action === 'complete') {
			await completeOnboarding(account.id);
			store.accountLinks.delete(key);
			return redirect(res, link.returnUrl);
		}
		sendHtml(res, 404, errorPage('Not found', 'Nothing here.', 404));
	}

	async function checkoutRoute(res: ServerResponse, method: string, key: string, action?: string) {
		const { scope, object: session } = store.locate('checkoutSessions', key, 'checkout.session');
		if (method === 'GET' && !action) {
			if (session.status !== 'open' || session.expires_at <= now()) {
				const state = session.status === 'open' ? 'expired' : session.status;
				const message = `This checkout session is ${state}.`;
				return sendHtml(res, 410, errorPage('Checkout unavailable', message, 410));
			}
			const lines = (store.plans.get(session.id)?.lineItems ?? []).map((line) => ({
				price: store.get(scope, 'prices', line.price, 'price'),
				quantity: line.quantity
			}));
			return sendHtml(res, 200, checkoutPage(session, lines, `/_fake/checkout/${key}/pay`));
		}
		if (method === 'POST' && action === 'pay') {
			await completeCheckout(session.id);
			const success = session.success_url ?? `${store.origin}/_fake/health`;
			return redirect(res, success.replaceAll('{CHECKOUT_SESSION_ID}', session.id));
		}
		sendHtml(res, 404, errorPage('Not found', 'Nothing here.', 404));
	}

	async function portalRoute(
		res: ServerResponse,
		method: string,
		key: string,
		action: string | undefined,
		form: Params
	) {
		const portal = store.portalSessions.get(key);
		if (!portal) return sendHtml(res, 404, errorPage('Not found', 'No such portal session.', 404));
		const theirs = [...store.objects(portal.scope).subscriptions.values()].filter(
			(s) => s.customer === portal.customer
		);
		if (method === 'GET' && !action) {
			const page = portalPage(theirs, `/_fake/portal/${key}/cancel`, portal.returnUrl);
			return sendHtml(res, 200, page);
		}
		if (method === 'POST' && action === 'cancel') {
			const sub = theirs.find((s) => s.id === form.required('subscription'));
			if (!sub) throw invalid('No such subscription for this customer.', 'subscription');
			await webhooks.dispatch(billing.setCancelAtPeriodEnd(store, portal.scope, sub, true));
			return redirect(res, `/_fake/portal/${key}`);
		}
		sendHtml(res, 404, errorPage('Not found', 'Nothing here.', 404));
	}

	async function handleHosted(req: IncomingMessage, res: ServerResponse, url: URL) {
		const method = req.method ?? 'GET';
		const [, , kind, key = '', action] = url.pathname.split('/');
		try {
			const form = new Params(parseForm(method === 'POST' ? await readBody(req) : ''));
			if (kind === 'health') return sendJson(res, 200, JSON.stringify({ ok: true }));
			if (kind === 'control' && options.httpControls && method === 'POST') {
				const result = await control(key, form);
				return sendJson(res, 200, JSON.stringify(result ?? { ok: true }));
			}
			if (kind === 'onboarding') return await onboardingRoute(res, method, key, action);
			if (kind === 'checkout') return await checkoutRoute(res, method, key, action);
			if (kind === 'portal') return await portalRoute(res, method, key, action, form);
			sendHtml(res, 404, errorPage('Not found', `Nothing at ${method} ${url.pathname}.`, 404));
		} catch (error) {
			const status = error instanceof StripeApiError ? error.status : 500;
			const message = error instanceof Error ? error.message : String(error);
			sendHtml(res, status, errorPage('Something went wrong', message, status));
		}
	}

	const server = createServer((req, res) => {
		const url = new URL(req.url ?? '/', 'http://localhost');
		const handler = url.pathname.startsWith('/_fake/') ? handleHosted : handleApi;
		handler(req, res, url).catch((error: unknown) => {
			if (res.headersSent) return;
			sendJson(res, 500, JSON.stringify({ error: { type: 'api_error', message: String(error) } }));
		});
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
	});
	const { port } = server.address() as AddressInfo;
	store.origin = `http://${options.host ?? '127.0.0.1'}:${port}`;

	// Test controls: each delivers the events it causes and resolves once they are delivered.

	async function completeOnboarding(accountId: string): Promise<FakeAccount> {
		await webhooks.dispatch([billing.onboard(store, accountId)]);
		return store.get(PLATFORM, 'accounts', accountId, 'account');
	}

	async function completeCheckout(sessionId: string): Promise<FakeCheckoutSession> {
		await webhooks.dispatch(billing.pay(store, sessionId));
		return store.locate('checkoutSessions', sessionId, 'checkout.session').object;
	}

	async function expireCheckout(sessionId: string): Promise<FakeCheckoutSession> {
		const { scope, object } = store.locate('checkoutSessions', sessionId, 'checkout.session');
		await webhooks.dispatch([billing.expireSession(store, scope, object)]);
		return object;
	}

	/** Runs a change of a subscription, delivers its events, answers the subscription. */
	function onSubscription(change: (store: Store, subscriptionId: string) => FakeEvent[]) {
		return async (subscriptionId: string): Promise<FakeSubscription> => {
			await webhooks.dispatch(change(store, subscriptionId));
			return store.locate('subscriptions', subscriptionId, 'subscription').object;
		};
	}
	const failPayment = onSubscription(billing.failPayment);
	const recoverPayment = onSubscription(billing.recoverPayment);
	const endPeriod = onSubscription(billing.endPeriod);

	function failNextPayment(subscriptionId: string): void {
		store.locate('subscriptions', subscriptionId, 'subscription');
		store.failingRenewals.add(subscriptionId);
	}

	async function deauthorize(accountId: string): Promise<void> {
		await webhooks.dispatch([billing.deauthorize(store, accountId)]);
	}

	async function sendEvent(type: string, accountId: string | null, object: object) {
		const event = store.emit(accountId ?? PLATFORM, type, object);
		await webhooks.dispatch([event]);
		return event;
	}

	async function control(name: string, form: Params): Promise<object | undefined> {
		const id = form.string('id') ?? '';
		switch (name) {
			case 'completeOnboarding':
				return completeOnboarding(id);
			case 'completeCheckout':
				return completeCheckout(id);
			case 'expireCheckout':
				return expireCheckout(id);
			case 'failPayment':
				return failPayment(id);
			case 'recoverPayment':
				return recoverPayment(id);
			case 'endPeriod':
				return endPeriod(id);
			case 'failNextPayment':
				failNextPayment(id);
				return undefined;
			case 'deauthorize':
				await deauthorize(id);
				return undefined;
			case 'deliveryMode':
				webhooks.mode = form.oneOf('mode', ['immediate', 'held'] as const) ?? 'immediate';
				return undefined;
			case 'deliverHeld': {
				const times = form.integer('times') ?? 1;
				const shuffle = form.boolean('shuffle') ?? false;
				return { deliveries: await webhooks.deliverHeld({ times, shuffle }) };
			}
		}
		throw missing('control', name);
	}

	return {
		url: store.origin,
		port,
		secretKey,
		webhookSecret,
		seed,
		requests,
		deliveries: webhooks.deliveries,
		events: store.events,
		objects: (account) => store.objects(account),
		setWebhookTarget: (target) => {
			webhooks.target = target;
		},
		setDeliveryMode: (mode) => {
			webhooks.mode = mode;
		},
		held: () => webhooks.heldEvents(),
		deliverHeld: (opts) => webhooks.deliverHeld(opts),
		idle: () => webhooks.idle(),
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
			await webhooks.idle();
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		}
	};
}
