/**
 * The fake Stripe, driven only through the official SDK (and `fetch` for its hosted pages), the
 * way the app will drive it. Events arrive at a small local server that checks each signature
 * with `stripe.webhooks.constructEvent`, as the app's webhook endpoint will.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeStripe, type FakeStripe } from '../fakes/stripe';

type Received = { event: Stripe.Event } | { rejected: string };

let fake: FakeStripe;
let stripe: Stripe;
let received: Received[] = [];
/** Statuses the webhook target answers next, one each; 200 when empty. */
let answers: number[] = [];
let target: { url: string; close: () => Promise<void> };

function body(req: IncomingMessage): Promise<string> {
	return new Promise((resolve) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
	});
}

async function startTarget(): Promise<typeof target> {
	const server = createServer(async (req, res) => {
		const payload = await body(req);
		try {
			const event = stripe.webhooks.constructEvent(
				payload,
				String(req.headers['stripe-signature']),
				fake.webhookSecret,
				300
			);
			received.push({ event });
			res.statusCode = answers.shift() ?? 200;
		} catch (error) {
			received.push({ rejected: String(error) });
			res.statusCode = 400;
		}
		res.end();
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}/webhooks/stripe`,
		close: () => new Promise((resolve) => server.close(() => resolve()))
	};
}

function events(): Stripe.Event[] {
	return received.flatMap((r) => ('event' in r ? [r.event] : []));
}

async function connected(email = 'host@example.com'): Promise<Stripe.Account> {
	return stripe.accounts.create({ type: 'standard', country: 'DE', email });
}

async function monthlyPrice(account: string, amount = 4500): Promise<Stripe.Price> {
	const product = await stripe.products.create(
		{ name: 'Yoga series', metadata: { series: 's1' } },
		{ stripeAccount: account }
	);
	return stripe.prices.create(
		{
			product: product.id,
			unit_amount: amount,
			currency: 'eur',
			recurring: { interval: 'month', interval_count: 1 }
		},
		{ stripeAccount: account }
	);
}

async function openSession(
	account: string,
	price: string,
	extra: Partial<Stripe.Checkout.SessionCreateParams> = {}
): Promise<Stripe.Checkout.Session> {
	return stripe.checkout.sessions.create(
		{
			mode: 'subscription',
			line_items: [{ price, quantity: 1 }],
			customer_email: 'ana@example.com',
			success_url: 'http://app.test/done?session={CHECKOUT_SESSION_ID}',
			cancel_url: 'http://app.test/back',
			client_reference_id: 'sub-42',
			metadata: { series: 's1', 'subscriber id': 'sub 42' },
			subscription_data: {
				metadata: { series: 's1', subscriber: 'sub-42' },
				application_fee_percent: 5
			},
			...extra
		},
		{ stripeAccount: account }
	);
}

/** Submits the one form of a hosted page, as a browser would, without following the redirect. */
async function submitForm(pageUrl: string, fields: Record<string, string> = {}): Promise<Response> {
	const page = await fetch(pageUrl);
	expect(page.status).toBe(200);
	const html = await page.text();
	const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
	expect(action).toBeDefined();
	const hidden = Object.fromEntries(
		[...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]+)">/g)].map((m) => [
			m[1],
			m[2]
		])
	);
	return fetch(new URL(action ?? '', pageUrl), {
		method: 'POST',
		headers: { 'content-type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams({ ...hidden, ...fields }),
		redirect: 'manual'
	});
}

beforeAll(async () => {
	fake = await startFakeStripe({ httpControls: true });
	const { hostname, port, protocol } = new URL(fake.url);
	stripe = new Stripe(fake.secretKey, {
		host: hostname,
		port: Number(port),
		protocol: protocol === 'http:' ? 'http' : 'https'
	});
	target = await startTarget();
	fake.setWebhookTarget(target.url);
});

afterAll(async () => {
	await fake.close();
	await target.close();
});

beforeEach(() => {
	received = [];
	answers = [];
	fake.setDeliveryMode('immediate');
});

describe('the fake Stripe API', () => {
	it('keeps objects of a connected account out of reach of other accounts and the platform', async () => {
		const a = await connected();
		const b = await connected();
		const price = await monthlyPrice(a.id);

		const mine = await stripe.prices.retrieve(price.id, {}, { stripeAccount: a.id });
		expect(mine).toMatchObject({
			id: price.id,
			object: 'price',
			livemode: false,
			unit_amount: 4500
		});
		for (const options of [{ stripeAccount: b.id }, {}]) {
			const error = await stripe.prices.retrieve(price.id, {}, options).catch((e: unknown) => e);
			expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
			expect(error).toMatchObject({ statusCode: 404, code: 'resource_missing' });
		}
		await expect(stripe.accounts.retrieve(a.id, {}, { stripeAccount: b.id })).rejects.toMatchObject(
			{
				statusCode: 404
			}
		);
		// The SDK's retrieve takes (id, params, options): options passed as params reach Stripe
		// as an unknown query parameter, which Stripe refuses.
		const asParams = { stripeAccount: a.id } as Stripe.PriceRetrieveParams;
		await expect(stripe.prices.retrieve(price.id, asParams)).rejects.toMatchObject({
			code: 'parameter_unknown',
			param: 'stripeAccount'
		});
		const wrongKey = new Stripe('sk_test_wrong', {
			host: '127.0.0.1',
			port: fake.port,
			protocol: 'http'
		});
		await expect(wrongKey.accounts.retrieve(a.id)).rejects.toBeInstanceOf(
			Stripe.errors.StripeAuthenticationError
		);
	});

	it('reads bracket-encoded bodies: metadata, line items, subscription_data, expand', async () => {
		const a = await connected();
		const price = await monthlyPrice(a.id);
		const session = await openSession(a.id, price.id);
		expect(session).toMatchObject({
			object: 'checkout.session',
			status: 'open',
			mode: 'subscription',
			client_reference_id: 'sub-42',
			customer_email: 'ana@example.com',
			metadata: { series: 's1', 'subscriber id': 'sub 42' },
			amount_total: 4500,
			currency: 'eur'
		});
		expect(session.url).toMatch(new RegExp(`^${fake.url}/`));
		const request = fake.requests.findLast((r) => r.path === '/v1/checkout/sessions');
		expect(request).toMatchObject({
			stripeAccount: a.id,
			body: {
				line_items: [{ price: price.id, quantity: '1' }],
				subscription_data: { metadata: { series: 's1', subscriber: 'sub-42' } }
			}
		});
		const withItems = await stripe.checkout.sessions.retrieve(
			session.id,
			{ expand: ['line_items'] },
			{ stripeAccount: a.id }
		);
		expect(withItems.line_items?.data[0]).toMatchObject({ quantity: 1, price: { id: price.id } });

		const updated = await stripe.products.update(
			price.product as string,
			{ metadata: { series: '', extra: 'x' } },
			{ stripeAccount: a.id }
		);
		expect(updated.metadata).toEqual({ extra: 'x' });
	});

	it('replays an idempotent request and refuses the same key with other parameters', async () => {
		const a = await connected();
		const key = `idem-${Date.now()}`;
		const first = await stripe.products.create(
			{ name: 'Once' },
			{ stripeAccount: a.id, idempotencyKey: key }
		);
		const again = await stripe.products.create(
			{ name: 'Once' },
			{ stripeAccount: a.id, idempotencyKey: key }
		);
		expect(again.id).toBe(first.id);
		expect(fake.objects(a.id).products.size).toBe(1);
		expect(again.lastResponse.headers['idempotent-replayed']).toBe('true');

		const error = await stripe.products
			.create({ name: 'Twice' }, { stripeAccount: a.id, idempotencyKey: key })
			.catch((e: unknown) => e);
		expect(error).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
		expect(fake.objects(a.id).products.size).toBe(1);
	});

	it("answers invalid requests with Stripe's error shape, code and param", async () => {
		const a = await connected();
		const product = await stripe.products.create({ name: 'P' }, { stripeAccount: a.id });
		const noCurrency = await stripe.prices
			.create({ product: product.id, unit_amount: 100 } as Stripe.PriceCreateParams, {
				stripeAccount: a.id
			})
			.catch((e: unknown) => e);
		expect(noCurrency).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
		expect(noCurrency).toMatchObject({
			statusCode: 400,
			type: 'StripeInvalidRequestError',
			code: 'parameter_missing',
			param: 'currency'
		});
		const unknown = await stripe.products
			.create({ name: 'P', colour: 'red' } as Stripe.ProductCreateParams, { stripeAccount: a.id })
			.catch((e: unknown) => e);
		expect(unknown).toMatchObject({ code: 'parameter_unknown', param: 'colour' });

		const missing = await stripe.rawRequest('GET', '/v1/payouts').catch((e: unknown) => e);
		expect(missing).toMatchObject({ statusCode: 404 });
		expect(String((missing as Error).message)).toContain('/v1/payouts');

		fake.failNext('POST', '/v1/products', {
			status: 402,
			error: { type: 'card_error', code: 'card_declined', message: 'Your card was declined.' }
		});
		const declined = await stripe.products
			.create({ name: 'P' }, { stripeAccount: a.id })
			.catch((e: unknown) => e);
		expect(declined).toBeInstanceOf(Stripe.errors.StripeCardError);
		expect(declined).toMatchObject({ code: 'card_declined' });
		await expect(
			stripe.products.create({ name: 'P' }, { stripeAccount: a.id })
		).resolves.toBeTruthy();
	});
});

describe('hosted pages and events', () => {
	it('onboards an account through its link and tells the platform', async () => {
		const a = await connected();
		expect(a).toMatchObject({ charges_enabled: false, details_submitted: false });
		expect(a.requirements?.currently_due?.length).toBeGreaterThan(0);
		const link = await stripe.accountLinks.create({
			account: a.id,
			refresh_url: 'http://app.test/refresh',
			return_url: 'http://app.test/return',
			type: 'account_onboarding'
		});
		const done = await submitForm(link.url);
		expect(done.status).toBe(303);
		expect(done.headers.get('location')).toBe('http://app.test/return');
		const after = await stripe.accounts.retrieve(a.id);
		expect(after).toMatchObject({ charges_enabled: true, details_submitted: true });
		expect(events()).toEqual([
			expect.objectContaining({
				type: 'account.updated',
				account: a.id,
				data: expect.objectContaining({
					object: expect.objectContaining({ id: a.id, charges_enabled: true })
				})
			})
		]);
	});

	it('pays a checkout session through the hosted page: an active subscription, signed events', async () => {
		const a = await connected();
		const price = await monthlyPrice(a.id);
		const session = await openSession(a.id, price.id);
		const page = await (await fetch(session.url ?? '')).text();
		expect(page).toContain('ana@example.com');
		expect(page).toContain('€45.00');

		const paid = await submitForm(session.url ?? '');
		expect(paid.status).toBe(303);
		expect(paid.headers.get('location')).toBe(`http://app.test/done?session=${session.id}`);

		const complete = await stripe.checkout.sessions.retrieve(
			session.id,
			{ expand: ['subscription'] },
			{ stripeAccount: a.id }
		);
		expect(complete).toMatchObject({ status: 'complete', payment_status: 'paid' });
		const sub = complete.subscription as Stripe.Subscription;
		expect(sub).toMatchObject({
			object: 'subscription',
			status: 'active',
			customer: complete.customer,
			metadata: { series: 's1', subscriber: 'sub-42' },
			application_fee_percent: 5,
			cancel_at_period_end: false
		});
		const item = sub.items.data[0];
		expect(item?.price.id).toBe(price.id);
		const start = new Date((item?.current_period_start ?? 0) * 1000);
		const end = new Date((item?.current_period_end ?? 0) * 1000);
		expect(end.getUTCMonth()).toBe((start.getUTCMonth() + 1) % 12);
		const customer = await stripe.customers.retrieve(
			String(complete.customer),
			{},
			{
				stripeAccount: a.id
			}
		);
		expect(customer).toMatchObject({ email: 'ana@example.com' });

		expect(received.filter((r) => 'rejected' in r)).toEqual([]);
		expect(events().map((e) => e.type)).toEqual([
			'checkout.session.completed',
			'customer.subscription.created',
			'invoice.paid'
		]);
		expect(events().every((e) => e.account === a.id)).toBe(true);
		const [completed] = events();
		const stored = await stripe.events.retrieve(completed?.id ?? '', {}, { stripeAccount: a.id });
		expect(stored.type).toBe('checkout.session.completed');
		await expect(stripe.events.retrieve(completed?.id ?? '')).rejects.toMatchObject({
			statusCode: 404
		});
	});

	it('subscribes an existing customer when the session names one', async () => {
		const a = await connected();
		const price = await monthlyPrice(a.id);
		const customer = await stripe.customers.create(
			{ email: 'bo@example.com', metadata: { client: 'c7' } },
			{ stripeAccount: a.id }
		);
		const session = await openSession(a.id, price.id, {
			customer: customer.id,
			customer_email: undefined
		});
		const paid = await fake.completeCheckout(session.id);
		expect(paid.customer).toBe(customer.id);
		expect(fake.objects(a.id).customers.size).toBe(1);
		const sub = await stripe.subscriptions.retrieve(
			String(paid.subscription),
			{},
			{
				stripeAccount: a.id
			}
		);
		expect(sub.customer).toBe(customer.id);
	});

	it('expires only open sessions, within Stripe’s expiry window, and never pays an expired one', async () => {
		const a = await connected();
		const price = await monthlyPrice(a.id);
		const soon = Math.floor(Date.now() / 1000) + 10 * 60;
		await expect(openSession(a.id, price.id, { expires_at: soon })).rejects.toMatchObject({
			param: 'expires_at'
		});
		const late = Math.floor(Date.now() / 1000) + 25 * 3600;
		await expect(openSession(a.id, price.id, { expires_at: late })).rejects.toMatchObject({
			param: 'expires_at'
		});

		const session = await openSession(a.id, price.id, {
			expires_at: Math.floor(Date.now() / 1000) + 3600
		});
		const expired = await stripe.checkout.sessions.expire(session.id, {}, { stripeAccount: a.id });
		expect(expired).toMatchObject({ status: 'expired', url: null });
		await expect(
			stripe.checkout.sessions.expire(session.id, {}, { stripeAccount: a.id })
		).rejects.toThrow('Only Checkout Sessions with a status in [open] can be expired.');

		expect((await fetch(session.url ?? '')).status).toBe(410);
		const pay = await fetch(`${session.url}/pay`, { method: 'POST', redirect: 'manual' });
		expect(pay.status).toBe(400);
		expect(fake.objects(a.id).customers.size).toBe(0);
		expect(fake.objects(a.id).subscriptions.size).toBe(0);
		await fake.idle();
		expect(events().map((e) => e.type)).toEqual(['checkout.session.expired']);
	});

	it('cancels at period end through the portal, then ends the subscription with the period', async () => {
		const a = await connected();
		const price = await monthlyPrice(a.id);
		const session = await fake.completeCheckout((await openSession(a.id, price.id)).id);
		const portal = await stripe.billingPortal.sessions.create(
			{ customer: String(session.customer), return_url: 'http://app.test/billing' },
			{ stripeAccount: a.id }
		);
		expect((await fetch(portal.url)).status).toBe(200);
		received = [];
		const canceled = await submitForm(portal.url);
		expect(canceled.status).toBe(303);
		const subId = String(session.subscription);
		const sub = await stripe.subscriptions.retrieve(subId, {}, { stripeAccount: a.id });
		expect(sub).toMatchObject({ status: 'active', cancel_at_period_end: true });
		expect(sub.cancel_at).toBe(sub.items.data[0]?.current_period_end);
		expect(events()).toEqual([
			expect.objectContaining({
				type: 'customer.subscription.updated',
				data: expect.objectContaining({
					previous_attributes: expect.objectContaining({ cancel_at_period_end: false })
				})
			})
		]);

		await fake.endPeriod(subId);
		const ended = await stripe.subscriptions.retrieve(subId, {}, { stripeAccount: a.id });
		expect(ended.status).toBe('canceled');
		expect(events().at(-1)?.type).toBe('customer.subscription.deleted');
	});

	it('renews, fails and recovers payments, and cancels at once on DELETE', async () => {
		const a = await connected();
		const price = await monthlyPrice(a.id);
		const subId = String(
			(await fake.completeCheckout((await openSession(a.id, price.id)).id)).subscription
		);
		const first = (await stripe.subscriptions.retrieve(subId, {}, { stripeAccount: a.id })).items
			.data[0];
		received = [];
		await fake.endPeriod(subId);
		const renewed = await stripe.subscriptions.retrieve(subId, {}, { stripeAccount: a.id });
		expect(renewed.items.data[0]?.current_period_start).toBe(first?.current_period_end);
		fake.failNextPayment(subId);
		await fake.endPeriod(subId);
		expect((await stripe.subscriptions.retrieve(subId, {}, { stripeAccount: a.id })).status).toBe(
			'past_due'
		);
		await fake.recoverPayment(subId);
		const recovered = await stripe.subscriptions.retrieve(subId, {}, { stripeAccount: a.id });
		expect(recovered.status).toBe('active');
		const invoice = await stripe.invoices.retrieve(
			String(recovered.latest_invoice),
			{},
			{
				stripeAccount: a.id
			}
		);
		expect(invoice).toMatchObject({ status: 'paid', amount_paid: 4500 });
		expect(events().map((e) => e.type)).toEqual([
			'invoice.paid',
			'customer.subscription.updated',
			'invoice.payment_failed',
			'customer.subscription.updated',
			'invoice.paid',
			'customer.subscription.updated'
		]);

		received = [];
		const deleted = await stripe.subscriptions.cancel(subId, {}, { stripeAccount: a.id });
		expect(deleted.status).toBe('canceled');
		await fake.idle();
		expect(events().map((e) => e.type)).toEqual(['customer.subscription.deleted']);
	});

	it('holds events, then delivers each three times in a seeded shuffled order', async () => {
		const a = await connected();
		const price = await monthlyPrice(a.id);
		fake.setDeliveryMode('held');
		await fake.completeCheckout((await openSession(a.id, price.id)).id);
		expect(received).toEqual([]);
		const held = fake.held().map((e) => e.id);
		expect(held).toHaveLength(3);

		const made = await fake.deliverHeld({ times: 3, shuffle: true });
		expect(made).toHaveLength(9);
		const order = events().map((e) => e.id);
		expect([...order].sort()).toEqual(held.flatMap((id) => [id, id, id]).sort());
		expect(order).not.toEqual(held.flatMap((id) => [id, id, id]));
		expect(fake.held()).toEqual([]);
	});

	it('retries a delivery the target refused, and records each attempt', async () => {
		answers = [500, 503];
		const a = await connected();
		await fake.completeOnboarding(a.id);
		const tries = fake.deliveries.filter((d) => d.account === a.id);
		expect(tries.map((d) => [d.attempt, d.status])).toEqual([
			[1, 500],
			[2, 503],
			[3, 200]
		]);
	});

	it('tells the platform when an account disconnects, then refuses to act for it', async () => {
		const a = await connected();
		await fake.deauthorize(a.id);
		expect(events()).toEqual([
			expect.objectContaining({ type: 'account.application.deauthorized', account: a.id })
		]);
		const error = await stripe.products
			.create({ name: 'P' }, { stripeAccount: a.id })
			.catch((e: unknown) => e);
		expect(error).toBeInstanceOf(Stripe.errors.StripePermissionError);
		expect(error).toMatchObject({ statusCode: 403, code: 'account_invalid' });
	});

	it('runs its test controls over HTTP, for browser tests in another process', async () => {
		const a = await connected();
		const response = await fetch(`${fake.url}/_fake/control/completeOnboarding`, {
			method: 'POST',
			body: new URLSearchParams({ id: a.id })
		});
		expect(response.status).toBe(200);
		expect(await stripe.accounts.retrieve(a.id)).toMatchObject({ charges_enabled: true });
		expect(events().map((e) => e.type)).toEqual(['account.updated']);
	});

	it('shuffles the same way for the same seed', async () => {
		const orders: number[][] = [];
		for (const run of [1, 2]) {
			const seeded = await startFakeStripe({
				seed: 7,
				webhookSecret: fake.webhookSecret,
				webhookUrl: target.url,
				deliveryMode: 'held'
			});
			const held = await Promise.all(
				[1, 2, 3, 4].map((n) => seeded.sendEvent('test.event', null, { n, run }))
			);
			const made = await seeded.deliverHeld({ times: 2, shuffle: true });
			orders.push(made.map((d) => held.findIndex((e) => e.id === d.eventId)));
			await seeded.close();
		}
		expect(orders[0]).toEqual(orders[1]);
		expect(orders[0]).not.toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
	});
});
