/**
 * Paid series against the fake Stripe, through the procedures the pages call: publishing makes
 * one Product and one recurring Price on the practitioner's own connected account, however often
 * it is asked; a new price replaces the Price and leaves subscribers' subscriptions alone; and
 * what cannot be charged for is refused with a reason.
 */
import { eq } from 'drizzle-orm';
import Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import type { Database } from '../../src/lib/server/db';
import { series, stripeAccounts, subscribers } from '../../src/lib/server/db/schema';
import { startFakeStripe, type FakeStripe } from '../fakes/stripe';
import { signedUpPractitioner } from './support/browser';
import { useTestDatabase } from './support/database';
import { failure } from './support/errors';
import { signUpPaid } from './support/payments';
import { seriesInput } from './support/series';

type Practitioner = Awaited<ReturnType<typeof signedUpPractitioner>>;
type Api = Awaited<ReturnType<Practitioner['browser']['api']>>;

const STRIPE_ENV = ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'STRIPE_API_URL'] as const;

let db: Database;
let fake: FakeStripe;
let sdk: Stripe;

function useFakeStripe() {
	process.env.STRIPE_SECRET_KEY = fake.secretKey;
	process.env.STRIPE_WEBHOOK_SECRET = fake.webhookSecret;
	process.env.STRIPE_API_URL = fake.url;
}

beforeAll(async () => {
	({ db } = await useTestDatabase());
	fake = await startFakeStripe();
	const { hostname, port } = new URL(fake.url);
	sdk = new Stripe(fake.secretKey, { host: hostname, port: Number(port), protocol: 'http' });
});

beforeEach(useFakeStripe);

afterAll(async () => {
	for (const name of STRIPE_ENV) delete process.env[name];
	await fake.close();
});

/** A practitioner whose connected account exists on the fake and, unless told, takes charges. */
async function merchant({ chargesEnabled = true } = {}) {
	const person = await signedUpPractitioner(db);
	const account = await sdk.accounts.create({
		type: 'standard',
		country: 'DE',
		email: person.email
	});
	await db
		.insert(stripeAccounts)
		.values({ userId: person.user.id, accountId: account.id, chargesEnabled });
	return { ...person, api: await person.browser.api(), accountId: account.id };
}

const paid = (price = '12', fields: Partial<Parameters<typeof seriesInput>[0]> = {}) =>
	seriesInput({
		startDate: '2026-01-01',
		pricing: 'paid',
		price,
		currency: 'EUR',
		billingInterval: 'month',
		...fields
	});

async function rowOf(id: string) {
	const [row] = await db.select().from(series).where(eq(series.id, id));
	return row!;
}

/** The messages a refusal puts beside each field. */
function fieldErrors(error: Error): Record<string, string[]> {
	const issues = error.cause instanceof ZodError ? error.cause.issues : [];
	const byField: Record<string, string[]> = {};
	for (const issue of issues) (byField[issue.path.join('.')] ??= []).push(issue.message);
	return byField;
}

async function published(api: Api, fields = paid()) {
	const { id } = await api.series.create(fields);
	await api.series.setStatus({ id, status: 'published' });
	return rowOf(id);
}

describe('publishing a paid series', () => {
	it('makes one Product and one monthly Price on the practitioner’s connected account', async () => {
		const { api, accountId } = await merchant();
		const { id } = await api.series.create(paid('12.50', { title: 'Morning flow' }));
		expect(await rowOf(id)).toMatchObject({
			priceMinor: 1250,
			currency: 'EUR',
			billingInterval: 'month',
			stripeProductId: null,
			stripePriceId: null
		});
		// A draft makes nothing on Stripe.
		expect(fake.objects(accountId).products.size).toBe(0);

		await api.series.setStatus({ id, status: 'published' });
		const row = await rowOf(id);
		expect(row.status).toBe('published');
		const { products, prices } = fake.objects(accountId);
		expect([...products.values()]).toEqual([
			expect.objectContaining({
				id: row.stripeProductId,
				name: 'Morning flow',
				metadata: { series_id: id }
			})
		]);
		expect([...prices.values()]).toEqual([
			expect.objectContaining({
				id: row.stripePriceId,
				product: row.stripeProductId,
				unit_amount: 1250,
				currency: 'eur',
				recurring: { interval: 'month', interval_count: 1 },
				active: true,
				metadata: { series_id: id }
			})
		]);
		// Both made with the connected account's header, each with an idempotency key.
		const made = fake.requests.filter(
			(r) =>
				r.method === 'POST' &&
				['/v1/products', '/v1/prices'].includes(r.path) &&
				(r.body.metadata as { series_id?: string } | undefined)?.series_id === id
		);
		expect(made.map((r) => [r.path, r.stripeAccount, Boolean(r.idempotencyKey)])).toEqual([
			['/v1/products', accountId, true],
			['/v1/prices', accountId, true]
		]);
		expect(fake.objects().products.size).toBe(0);
		expect(fake.objects().prices.size).toBe(0);
	});

	it('bills "every 4 weeks" as every 4 weeks, in the series’ currency', async () => {
		const { api, accountId } = await merchant();
		const row = await published(
			api,
			paid('1500', { currency: 'JPY', billingInterval: 'four_weeks' })
		);
		expect(fake.objects(accountId).prices.get(row.stripePriceId!)).toMatchObject({
			unit_amount: 1500,
			currency: 'jpy',
			recurring: { interval: 'week', interval_count: 4 }
		});
	});

	it('sends Stripe amounts in its units: ISK as two-decimal, though ISO has no decimals', async () => {
		const { api, accountId } = await merchant();
		const row = await published(api, paid('1500', { currency: 'ISK', title: 'Jóga' }));
		expect(row.priceMinor).toBe(1500);
		const { prices } = fake.objects(accountId);
		expect(prices.get(row.stripePriceId!)).toMatchObject({ unit_amount: 150000, currency: 'isk' });

		// Read back, the Price still matches the series' terms: a new title keeps it, asking for none.
		await api.series.update({
			id: row.id,
			fields: paid('1500', { currency: 'ISK', title: 'Jóga á morgnana', slug: row.slug })
		});
		expect((await rowOf(row.id)).stripePriceId).toBe(row.stripePriceId);
		const asked = fake.requests.filter(
			(r) => r.method === 'POST' && r.path.startsWith('/v1/prices') && r.stripeAccount === accountId
		);
		expect(asked.map((r) => r.path)).toEqual(['/v1/prices']);
	});

	it('makes one Price however often it is published, also at once', async () => {
		const { api, accountId } = await merchant();
		const { id } = await api.series.create(paid('20'));
		await Promise.all(
			Array.from({ length: 8 }, () => api.series.setStatus({ id, status: 'published' }))
		);
		await api.series.setStatus({ id, status: 'draft' });
		await api.series.setStatus({ id, status: 'published' });
		const row = await rowOf(id);
		const { products, prices } = fake.objects(accountId);
		expect(products.size).toBe(1);
		expect([...prices.keys()]).toEqual([row.stripePriceId]);
		expect(prices.get(row.stripePriceId!)!.active).toBe(true);
	});

	it('makes nothing twice when publishing is tried again after Stripe’s answer was lost', async () => {
		const { api, accountId } = await merchant();
		const { id } = await api.series.create(paid('20'));
		await api.series.setStatus({ id, status: 'published' });
		const first = await rowOf(id);
		// As if the ids never reached the database: Stripe has the objects, the series knows nothing.
		await db
			.update(series)
			.set({ status: 'draft', stripeProductId: null, stripePriceId: null })
			.where(eq(series.id, id));
		await api.series.setStatus({ id, status: 'published' });
		expect(await rowOf(id)).toMatchObject({
			stripeProductId: first.stripeProductId,
			stripePriceId: first.stripePriceId
		});
		expect(fake.objects(accountId).products.size).toBe(1);
		expect(fake.objects(accountId).prices.size).toBe(1);
	});

	it('publishes nothing when Stripe fails, and makes one Price when tried again', async () => {
		const { api, accountId } = await merchant();
		const { id } = await api.series.create(paid('30'));
		fake.failNext('POST', '/v1/prices', {
			status: 500,
			error: { type: 'api_error', message: 'Something broke at Stripe.' }
		});
		const failed = await failure(api.series.setStatus({ id, status: 'published' }));
		expect(failed.code).toBe('BAD_GATEWAY');
		expect(failed.message).toMatch(/Stripe did not take the price \(ref \w+\)/);
		expect(await rowOf(id)).toMatchObject({ status: 'draft', stripePriceId: null });

		await api.series.setStatus({ id, status: 'published' });
		expect((await rowOf(id)).status).toBe('published');
		expect(fake.objects(accountId).products.size).toBe(1);
		expect(fake.objects(accountId).prices.size).toBe(1);
	});

	it('puts Stripe refusing the price beside the amount, storing nothing', async () => {
		const { api, accountId } = await merchant();
		const { id } = await api.series.create(paid('0.60'));
		fake.failNext('POST', '/v1/prices', {
			status: 400,
			error: {
				type: 'invalid_request_error',
				code: 'amount_too_small',
				param: 'unit_amount',
				message: 'Amount must be at least €0.50 eur'
			}
		});
		const refused = await failure(api.series.setStatus({ id, status: 'published' }));
		expect(refused.code).toBe('BAD_REQUEST');
		expect(fieldErrors(refused).price?.join(' ')).toBe(
			'Stripe does not accept this price: Amount must be at least €0.50 eur. Change the amount or currency and save again.'
		);
		expect(await rowOf(id)).toMatchObject({ status: 'draft', stripePriceId: null });
		expect(fake.objects(accountId).prices.size).toBe(0);
	});

	it('makes the Product afresh on an account connected instead of the first one', async () => {
		const { api, user, accountId } = await merchant();
		const row = await published(api, paid('12', { title: 'Evening yoga' }));
		const other = await sdk.accounts.create({ type: 'standard', country: 'DE' });
		await db
			.update(stripeAccounts)
			.set({ accountId: other.id })
			.where(eq(stripeAccounts.userId, user.id));
		await api.series.update({
			id: row.id,
			fields: paid('14', { slug: row.slug, title: 'Evening yoga' })
		});

		const after = await rowOf(row.id);
		expect(fake.objects(other.id).products.get(after.stripeProductId!)).toMatchObject({
			name: 'Evening yoga'
		});
		const keys = fake.requests
			.filter((r) => r.method === 'POST' && r.path === '/v1/products')
			.filter((r) => [accountId, other.id].includes(r.stripeAccount!))
			.map((r) => r.idempotencyKey);
		// Stripe may keep a key across accounts: the second account's request is its own.
		expect(keys).toHaveLength(2);
		expect(keys[0]).not.toBe(keys[1]);
	});

	it('is refused, saying why, without Stripe keys, without an account, or before charges are enabled', async () => {
		const unconnected = await signedUpPractitioner(db);
		const api = await unconnected.browser.api();
		const draft = await api.series.create(paid());

		delete process.env.STRIPE_SECRET_KEY;
		const noKeys = await failure(api.series.setStatus({ id: draft.id, status: 'published' }));
		expect(noKeys.code).toBe('PRECONDITION_FAILED');
		expect(noKeys.message).toContain('Payments are not set up on this Sessionboard.');
		expect(noKeys.message).toContain('Settings → Payments');
		useFakeStripe();

		const noAccount = await failure(api.series.setStatus({ id: draft.id, status: 'published' }));
		expect(noAccount.message).toContain('has not connected a Stripe account');

		const pending = await merchant({ chargesEnabled: false });
		const other = await pending.api.series.create(paid());
		const notYet = await failure(
			pending.api.series.setStatus({ id: other.id, status: 'published' })
		);
		expect(notYet.message).toContain('cannot take payments yet');

		for (const id of [draft.id, other.id]) expect((await rowOf(id)).status).toBe('draft');
		expect(fake.objects(pending.accountId).products.size).toBe(0);
		// The form says so beside the price, and the draft can still be saved.
		expect(await pending.api.series.paymentsBlocked()).toContain('cannot take payments yet');
		expect((await pending.api.series.get({ id: other.id })).paymentsBlocked).toContain(
			'cannot take payments yet'
		);
	});

	it('publishes a free series without Stripe', async () => {
		delete process.env.STRIPE_SECRET_KEY;
		const person = await signedUpPractitioner(db);
		const api = await person.browser.api();
		const row = await published(api, seriesInput({ startDate: '2026-01-01' }));
		expect(row).toMatchObject({ status: 'published', priceMinor: null, stripePriceId: null });
	});
});

describe('changing the price', () => {
	it('replaces the Price, retires the old one, and leaves subscribers’ subscriptions alone', async () => {
		const { api, accountId } = await merchant();
		const before = await published(api, paid('12', { title: 'Evening yoga' }));
		// A paid signup: a place kept while they pay in Checkout.
		await signUpPaid(db, before.slug, 1);
		await db
			.update(subscribers)
			.set({ payment: 'paid', stripeSubscriptionId: 'sub_kept', stripeCustomerId: 'cus_kept' })
			.where(eq(subscribers.seriesId, before.id));
		const [subscriberBefore] = await db
			.select()
			.from(subscribers)
			.where(eq(subscribers.seriesId, before.id));

		const fields = paid('15', { title: 'Evening yoga, slower', slug: before.slug });
		await api.series.update({ id: before.id, fields });
		// The same save again (a second click) makes nothing more.
		await api.series.update({ id: before.id, fields });

		const after = await rowOf(before.id);
		const { products, prices } = fake.objects(accountId);
		expect(after.priceMinor).toBe(1500);
		expect(after.stripeProductId).toBe(before.stripeProductId);
		expect(after.stripePriceId).not.toBe(before.stripePriceId);
		expect(prices.size).toBe(2);
		expect(prices.get(before.stripePriceId!)!.active).toBe(false);
		expect(prices.get(after.stripePriceId!)).toMatchObject({
			active: true,
			unit_amount: 1500,
			product: before.stripeProductId
		});
		expect(products.get(before.stripeProductId!)!.name).toBe('Evening yoga, slower');
		const [subscriberAfter] = await db
			.select()
			.from(subscribers)
			.where(eq(subscribers.seriesId, before.id));
		expect(subscriberAfter).toEqual(subscriberBefore);
		expect(
			fake.requests.filter((r) => r.path.includes('sub_kept') || r.path.includes('cus_kept'))
		).toEqual([]);

		// Back to the first price: its Price serves again, active, and the second one retires.
		await api.series.update({ id: before.id, fields: paid('12', { slug: before.slug }) });
		const again = await rowOf(before.id);
		expect(prices.get(again.stripePriceId!)).toMatchObject({ unit_amount: 1200, active: true });
		expect(prices.get(after.stripePriceId!)!.active).toBe(false);
	});

	it('passes a new title on to the Product, keeping the Price', async () => {
		const { api, accountId } = await merchant();
		const before = await published(api, paid('12', { title: 'Evening yoga' }));
		await api.series.update({
			id: before.id,
			fields: paid('12', { title: 'Evening yin', slug: before.slug })
		});
		expect((await rowOf(before.id)).stripePriceId).toBe(before.stripePriceId);
		const { products, prices } = fake.objects(accountId);
		expect(products.get(before.stripeProductId!)!.name).toBe('Evening yin');
		expect(prices.size).toBe(1);
	});

	it('makes no Stripe objects for a draft until it is published', async () => {
		const { api, accountId } = await merchant();
		const { id, slug } = await api.series.create(paid('12'));
		await api.series.update({ id, fields: paid('18', { slug }) });
		expect(fake.objects(accountId).prices.size).toBe(0);
		await api.series.setStatus({ id, status: 'published' });
		const row = await rowOf(id);
		expect([...fake.objects(accountId).prices.values()]).toEqual([
			expect.objectContaining({ id: row.stripePriceId, unit_amount: 1800 })
		]);
	});

	it('refuses to make a series free while someone pays for it', async () => {
		const { api, accountId } = await merchant();
		const row = await published(api, paid('12'));
		await signUpPaid(db, row.slug, 1);
		await db
			.update(subscribers)
			.set({ payment: 'past_due' })
			.where(eq(subscribers.seriesId, row.id));

		const free = seriesInput({ startDate: '2026-01-01', slug: row.slug });
		const refused = await failure(api.series.update({ id: row.id, fields: free }));
		expect(refused.code).toBe('CONFLICT');
		expect(fieldErrors(refused).pricing?.join(' ')).toMatch(/1 person pays for this series/);
		expect(await rowOf(row.id)).toMatchObject({
			priceMinor: 1200,
			stripePriceId: row.stripePriceId
		});
		expect(fake.objects(accountId).prices.get(row.stripePriceId!)!.active).toBe(true);

		// Once nobody pays, it may: the Price retires.
		await db
			.update(subscribers)
			.set({ payment: 'canceled' })
			.where(eq(subscribers.seriesId, row.id));
		await api.series.update({ id: row.id, fields: free });
		expect(await rowOf(row.id)).toMatchObject({ priceMinor: null, stripePriceId: null });
		expect(fake.objects(accountId).prices.get(row.stripePriceId!)!.active).toBe(false);
	});
});

describe('the price fields', () => {
	it('refuse decimals a currency does not have, unknown currencies and nothing to pay', async () => {
		const person = await signedUpPractitioner(db);
		const api = await person.browser.api();
		const cases: [Partial<Parameters<typeof seriesInput>[0]>, string, RegExp][] = [
			[{ price: '1500.50', currency: 'JPY' }, 'price', /JPY has no decimals/],
			[{ price: '12.345' }, 'price', /like 12 or 12\.50/],
			[{ price: '12', currency: 'XYZ' }, 'currency', /Choose a currency/],
			[{ price: '12', currency: 'E\u0000R' }, 'currency', /Choose a currency|cannot be stored/],
			[{ price: '0' }, 'price', /above zero/],
			[{ price: '0.00' }, 'price', /above zero/],
			[{ price: '1000000' }, 'price', /at most 999999\.99 EUR/],
			[{ price: '1000000', currency: 'ISK' }, 'price', /at most 999999 ISK/],
			[
				{ price: '1.234', currency: 'KWD' },
				'price',
				/^KWD prices must end in 0 \(Stripe's rule\)\.$/
			],
			[{ price: '150.50', currency: 'TWD' }, 'price', /TWD prices must be whole amounts/],
			[{ price: '12', currency: 'XDR' }, 'currency', /Stripe cannot charge in XDR/],
			[{ price: '-5' }, 'price', /like 12/]
		];
		for (const [fields, field, message] of cases) {
			const refused = await failure(api.series.create(paid(undefined, fields)));
			expect(refused.code, JSON.stringify(fields)).toBe('BAD_REQUEST');
			expect(fieldErrors(refused)[field]?.join(' '), JSON.stringify(fields)).toMatch(message);
		}
		const list = await api.series.list();
		expect(list).toEqual([]);

		// Free ignores whatever is left in the amount field.
		const { id } = await api.series.create(
			seriesInput({ pricing: 'free', price: 'not a price', currency: 'JPY' })
		);
		expect(await rowOf(id)).toMatchObject({ priceMinor: null, currency: null });
	});
});
