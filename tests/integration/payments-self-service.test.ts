/**
 * A subscriber manages their paid subscription from the manage link; the practitioner sees and
 * cancels it; removing a subscriber, leaving, and deleting the account end it first. Stripe is
 * the local fake, reached by the app through configuration only. Each paying subscriber is made
 * through the fake's Checkout, and their row gets the Stripe ids here, as the webhook would.
 */
import { and, eq } from 'drizzle-orm';
import Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db';
import { stripeAccounts, subscribers, users } from '../../src/lib/server/db/schema';
import { portalByLink } from '../../src/lib/server/payments/subscriptions';
import { subscriberLinks } from '../../src/lib/server/subscribers/service';
import { startFakeStripe, type FakeStripe } from '../fakes/stripe';
import { startApp, type App } from './support/app-server';
import { ORIGIN, signedUpPractitioner, STRONG_PASSWORD } from './support/browser';
import { useTestDatabase } from './support/database';
import { failure } from './support/errors';
import { publishedSeries, signUpAndConfirm, visitorEmail } from './support/series';

let db: Database;
let app: App;
let fake: FakeStripe;
let stripe: Stripe;
const STRIPE_ENV = ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'STRIPE_API_URL'] as const;

function configureStripe() {
	process.env.STRIPE_SECRET_KEY = fake.secretKey;
	process.env.STRIPE_WEBHOOK_SECRET = fake.webhookSecret;
	process.env.STRIPE_API_URL = fake.url;
}

beforeAll(async () => {
	({ db } = await useTestDatabase());
	fake = await startFakeStripe();
	configureStripe();
	app = await startApp();
	fake.setWebhookTarget(`${app.origin}/api/webhooks/stripe`);
	const { hostname, port } = new URL(fake.url);
	stripe = new Stripe(fake.secretKey, { host: hostname, port: Number(port), protocol: 'http' });
});
afterAll(async () => {
	await app?.stop();
	await fake?.close();
	for (const name of STRIPE_ENV) delete process.env[name];
});
afterEach(() => configureStripe());

/**
 * A practitioner with a published series, a connected account and `paying` subscribers who paid
 * through the fake's Checkout.
 */
async function payingPractice(name: string, paying: number) {
	const person = await signedUpPractitioner(db, name);
	const api = await person.browser.api();
	const title = `${name}'s yoga`;
	const series = await publishedSeries(api, { title });
	const account = await stripe.accounts.create({ type: 'express', country: 'DE' });
	await db.insert(stripeAccounts).values({
		userId: person.user.id,
		accountId: account.id,
		chargesEnabled: true,
		detailsSubmitted: true
	});
	const on = { stripeAccount: account.id };
	const product = await stripe.products.create({ name: title }, on);
	const price = await stripe.prices.create(
		{ product: product.id, unit_amount: 4500, currency: 'eur', recurring: { interval: 'month' } },
		on
	);
	const people = [];
	for (let n = 1; n <= paying; n += 1) {
		await signUpAndConfirm(db, series.slug, n);
		const email = visitorEmail(series.slug, n);
		const session = await stripe.checkout.sessions.create(
			{
				mode: 'subscription',
				line_items: [{ price: price.id, quantity: 1 }],
				customer_email: email,
				success_url: `${app.origin}/s/${series.slug}`
			},
			on
		);
		const paid = await fake.completeCheckout(session.id);
		const subscriptionId = String(paid.subscription);
		const subscription = await stripe.subscriptions.retrieve(subscriptionId, {}, on);
		const [row] = await db
			.update(subscribers)
			.set({
				stripeCustomerId: String(paid.customer),
				stripeSubscriptionId: subscriptionId,
				payment: 'paid',
				paidUntil: new Date(subscription.items.data[0]!.current_period_end * 1000)
			})
			.where(and(eq(subscribers.seriesId, series.id), eq(subscribers.email, email)))
			.returning();
		const { manageUrl, unsubscribeUrl } = await subscriberLinks(db, ORIGIN, row!.id);
		people.push({
			id: row!.id,
			subscriptionId,
			customerId: String(paid.customer),
			token: manageUrl.slice(manageUrl.lastIndexOf('/') + 1),
			unsubscribeToken: unsubscribeUrl.slice(unsubscribeUrl.lastIndexOf('/') + 1)
		});
	}
	return { ...person, api, series, accountId: account.id, people };
}

type Practice = Awaited<ReturnType<typeof payingPractice>>;

/** The subscription as the fake holds it on the practitioner's account. */
const subscriptionOn = (practice: Practice, id: string) =>
	stripe.subscriptions.retrieve(id, {}, { stripeAccount: practice.accountId });

/** A page or a form, as a browser on the app's origin asks for it (no JavaScript). */
function request(path: string, fields?: Record<string, string>, cookie?: string) {
	const headers = new Headers({ origin: app.origin, accept: 'text/html' });
	if (cookie) headers.set('cookie', cookie);
	if (!fields) return fetch(`${app.origin}${path}`, { redirect: 'manual', headers });
	headers.set('content-type', 'application/x-www-form-urlencoded');
	return fetch(`${app.origin}${path}`, {
		method: 'POST',
		redirect: 'manual',
		headers,
		body: new URLSearchParams(fields).toString()
	});
}

/** What a page says, without its markup. */
async function wordsOf(response: Response): Promise<string> {
	const html = await response.text();
	return html
		.replace(/<(script|style)[\s\S]*?<\/\1>/g, '')
		.replace(/<[^>]+>/g, ' ')
		.replace(/\s+/g, ' ');
}

const stripeCalls = () => fake.requests.length;

describe('the manage page of a paying subscriber', () => {
	let practice: Practice;
	beforeAll(async () => {
		practice = await payingPractice('Mira', 2);
	});

	it('says where the payment stands and offers the portal and cancelling', async () => {
		const [ana] = practice.people;
		const words = await wordsOf(await request(`/m/${ana!.token}`));
		expect(words).toMatch(/Paid until \w/);
		expect(words).toContain('Manage payment and invoices');
		expect(words).toContain('Cancel my subscription');
	});

	it('opens Stripe’s portal on the owner’s account for this subscriber’s customer', async () => {
		const [ana] = practice.people;
		const answer = await request(`/m/${ana!.token}?/portal`, {});
		expect(answer.status).toBe(303);
		const made = fake.requests.findLast((r) => r.path === '/v1/billing_portal/sessions')!;
		expect(made).toMatchObject({
			stripeAccount: practice.accountId,
			status: 200,
			body: { customer: ana!.customerId }
		});
		expect(String(made.body.return_url)).toMatch(new RegExp(`/m/${ana!.token}$`));
		expect(answer.headers.get('location')).toMatch(new RegExp(`^${fake.url}/_fake/portal/`));
		expect((await fetch(answer.headers.get('location')!)).status).toBe(200);
	});

	it('asks first, then ends that subscription only at the end of its period, and shows Stripe’s answer', async () => {
		const [ana, ben] = practice.people;
		const asked = await wordsOf(await request(`/m/${ana!.token}?/endSubscription`, {}));
		expect(asked).toContain('Your place stays yours until the end of the period');
		expect((await subscriptionOn(practice, ana!.subscriptionId)).cancel_at_period_end).toBe(false);

		const words = await wordsOf(
			await request(`/m/${ana!.token}?/endSubscription`, { confirmed: 'yes' })
		);
		const ended = await subscriptionOn(practice, ana!.subscriptionId);
		expect(ended).toMatchObject({ status: 'active', cancel_at_period_end: true });
		expect(words).toMatch(/Ends on \w.*your place is yours until then/);
		expect(words).toContain('Keep my subscription');
		expect((await subscriptionOn(practice, ben!.subscriptionId)).cancel_at_period_end).toBe(false);

		await request(`/m/${ana!.token}?/keepSubscription`, {});
		expect((await subscriptionOn(practice, ana!.subscriptionId)).cancel_at_period_end).toBe(false);
	});

	it('refuses a link that is not a manage link, and asks Stripe nothing', async () => {
		const [ana] = practice.people;
		const tampered = `${ana!.token.slice(0, -2)}${ana!.token.endsWith('AA') ? 'BB' : 'AA'}`;
		const before = stripeCalls();
		for (const token of [tampered, ana!.unsubscribeToken]) {
			for (const action of ['portal', 'endSubscription']) {
				const answer = await request(`/m/${token}?/${action}`, { confirmed: 'yes' });
				expect([action, answer.status]).toEqual([action, 400]);
			}
		}
		expect(stripeCalls()).toBe(before);
		expect((await subscriptionOn(practice, ana!.subscriptionId)).cancel_at_period_end).toBe(false);
	});

	it('leaving while paying ends the subscription with the paid period first', async () => {
		const [, ben] = practice.people;
		await request(`/m/${ben!.token}?/leave`, { confirmed: 'yes' });
		const [row] = await db.select().from(subscribers).where(eq(subscribers.id, ben!.id));
		expect(row!.status).toBe('left');
		expect(await subscriptionOn(practice, ben!.subscriptionId)).toMatchObject({
			status: 'active',
			cancel_at_period_end: true
		});
	});

	it('who left cannot take their subscription back: no button, and the old link’s keep is refused', async () => {
		const [, ben] = practice.people;
		const [row] = await db.select().from(subscribers).where(eq(subscribers.id, ben!.id));
		expect(row!.status).toBe('left');
		// As the webhook writes it.
		await db
			.update(subscribers)
			.set({ cancelAt: new Date('2099-03-01T12:00:00Z') })
			.where(eq(subscribers.id, ben!.id));
		expect(await wordsOf(await request(`/m/${ben!.token}`))).not.toContain('Keep my subscription');

		const answer = await request(`/m/${ben!.token}?/keepSubscription`, {});

		expect(answer.status).toBe(400);
		expect(await wordsOf(answer)).toContain('You have left this series');
		expect((await subscriptionOn(practice, ben!.subscriptionId)).cancel_at_period_end).toBe(true);
	});

	it('two portal pages asked within a minute for different return addresses are two requests to Stripe', async () => {
		const [ana] = practice.people;
		const first = await portalByLink(db, ana!.token, `${ORIGIN}/m/${ana!.token}`);
		const second = await portalByLink(db, ana!.token, `${ORIGIN}/m/${ana!.token}?from=mail`);
		const [a, b] = fake.requests.filter((r) => r.path === '/v1/billing_portal/sessions').slice(-2);
		expect([a!.status, b!.status]).toEqual([200, 200]);
		expect(a!.idempotencyKey).not.toBe(b!.idempotencyKey);
		expect(first).not.toBe(second);
	});
});

describe('without Stripe', () => {
	let practice: Practice;
	beforeAll(async () => {
		practice = await payingPractice('Noor', 1);
	});

	it('not configured: a plain sentence, no buttons', async () => {
		for (const name of STRIPE_ENV) delete process.env[name];
		const [ana] = practice.people;
		const words = await wordsOf(await request(`/m/${ana!.token}`));
		expect(words).toContain('Payments are not set up on this Sessionboard any more.');
		expect(words).toContain('managed only in the practitioner’s own Stripe account');
		expect(words).not.toContain('Manage payment and invoices');
		expect(words).not.toContain('Cancel my subscription');
	});

	it('the practitioner removed Sessionboard’s access in Stripe: a plain sentence, no buttons', async () => {
		await fake.deauthorize(practice.accountId);
		expect(
			await db.select().from(stripeAccounts).where(eq(stripeAccounts.userId, practice.user.id))
		).toEqual([]);
		const [ana] = practice.people;
		const words = await wordsOf(await request(`/m/${ana!.token}`));
		expect(words).toContain('no longer connected to Sessionboard');
		expect(words).not.toContain('Manage payment and invoices');
		expect(words).not.toContain('Cancel my subscription');
	});
});

describe('after the practitioner disconnected Stripe here', () => {
	it('the subscriber can still manage and cancel their running subscription', async () => {
		const practice = await payingPractice('Rhea', 1);
		await practice.api.payments.disconnect();
		const [ana] = practice.people;

		const words = await wordsOf(await request(`/m/${ana!.token}`));
		expect(words).toContain('Manage payment and invoices');
		expect(words).toContain('Cancel my subscription');
		await request(`/m/${ana!.token}?/endSubscription`, { confirmed: 'yes' });

		expect((await subscriptionOn(practice, ana!.subscriptionId)).cancel_at_period_end).toBe(true);
	});
});

describe('Stripe refusing', () => {
	it('an account whose access was removed (webhook not yet here) is named plainly, never with Stripe’s words or key', async () => {
		const practice = await payingPractice('Sam', 1);
		const [ana] = practice.people;
		fake.setDeliveryMode('held');
		try {
			await fake.deauthorize(practice.accountId);
			for (const [action, fields] of [
				['endSubscription', { confirmed: 'yes' }],
				['portal', {}]
			] as const) {
				const answer = await request(`/m/${ana!.token}?/${action}`, fields);
				expect([action, answer.status]).toEqual([action, 400]);
				const words = await wordsOf(answer);
				expect(words).toContain('cannot be reached from Sessionboard any more');
				expect(words).toContain('Stripe dashboard');
				expect(words).not.toContain('does not have access');
				expect(words).not.toContain(fake.secretKey.slice(-4));
			}
		} finally {
			fake.setDeliveryMode('immediate');
			await fake.deliverHeld();
		}
	});
});

describe('the practitioner', () => {
	let practice: Practice;
	let other: Practice;
	beforeAll(async () => {
		practice = await payingPractice('Oda', 3);
		other = await payingPractice('Pia', 0);
	});

	it('sees each subscriber’s payment on the series page, with a way to cancel a running one', async () => {
		const [, ben, cleo] = practice.people;
		// As the webhooks write them.
		await db.update(subscribers).set({ payment: 'past_due' }).where(eq(subscribers.id, ben!.id));
		await db
			.update(subscribers)
			.set({ cancelAt: new Date('2099-03-01T12:00:00Z') })
			.where(eq(subscribers.id, cleo!.id));
		const page = await request(
			`/series/${practice.series.id}`,
			undefined,
			`sb_auth=${practice.browser.token}`
		);
		expect(page.status).toBe(200);
		const words = await wordsOf(page);
		expect(words.match(/Paid until \w/g)).toHaveLength(1);
		expect(words).toContain('Past due');
		expect(words).toMatch(/Ends \w+, 1 Mar 2099/);
		expect(words.match(/Cancel subscription/g)).toHaveLength(2);
	});

	it('cancels one subscription at the end of its period; another practitioner cannot', async () => {
		const [ana, ben] = practice.people;
		const before = stripeCalls();
		const refused = await failure(other.api.subscribers.cancelSubscription({ id: ana!.id }));
		expect(refused.code).toBe('NOT_FOUND');
		expect(stripeCalls()).toBe(before);
		expect((await subscriptionOn(practice, ana!.subscriptionId)).cancel_at_period_end).toBe(false);

		const answer = await practice.api.subscribers.cancelSubscription({ id: ana!.id });
		expect(answer!.cancelAt).toBeInstanceOf(Date);
		expect((await subscriptionOn(practice, ana!.subscriptionId)).cancel_at_period_end).toBe(true);
		expect((await subscriptionOn(practice, ben!.subscriptionId)).cancel_at_period_end).toBe(false);
	});

	it('removing a paying subscriber cancels the subscription first; when Stripe refuses, they stay', async () => {
		const [, ben, cleo] = practice.people;
		fake.failNext('DELETE', `/v1/subscriptions/${ben!.subscriptionId}`, {
			status: 400,
			error: { type: 'invalid_request_error', message: 'This subscription cannot be cancelled.' }
		});
		const refused = await failure(practice.api.subscribers.remove({ id: ben!.id }));
		expect(refused.message).toMatch(
			/^Stripe refused to cancel their subscription, so nobody was removed \(ref \w+\)\.$/
		);
		expect(await db.select().from(subscribers).where(eq(subscribers.id, ben!.id))).toHaveLength(1);
		expect((await subscriptionOn(practice, ben!.subscriptionId)).status).toBe('active');

		await practice.api.subscribers.remove({ id: ben!.id });
		expect(await db.select().from(subscribers).where(eq(subscribers.id, ben!.id))).toHaveLength(0);
		expect((await subscriptionOn(practice, ben!.subscriptionId)).status).toBe('canceled');
		expect((await subscriptionOn(practice, cleo!.subscriptionId)).status).toBe('active');
	});
});

describe('deleting the account', () => {
	it('cancels every running subscription on Stripe first; Stripe out of reach deletes nothing', async () => {
		const practice = await payingPractice('Quinn', 3);
		const api = await practice.browser.api();

		process.env.STRIPE_API_URL = 'http://127.0.0.1:9';
		const refused = await failure(api.accountData.deleteAccount({ password: STRONG_PASSWORD }));
		expect(refused.message).toContain('Stripe could not be reached');
		expect(refused.message).toContain('your account was not deleted');
		expect(await db.select().from(users).where(eq(users.id, practice.user.id))).toHaveLength(1);
		expect(
			await db.select().from(subscribers).where(eq(subscribers.ownerId, practice.user.id))
		).toHaveLength(3);
		configureStripe();

		await api.accountData.deleteAccount({ password: STRONG_PASSWORD });
		expect(await db.select().from(users).where(eq(users.id, practice.user.id))).toHaveLength(0);
		const left = [...fake.objects(practice.accountId).subscriptions.values()];
		expect(left).toHaveLength(3);
		expect(left.filter((s) => s.status !== 'canceled')).toEqual([]);
	});

	it('cancels them too when the practitioner had disconnected Stripe', async () => {
		const practice = await payingPractice('Tove', 2);
		const api = await practice.browser.api();
		await api.payments.disconnect();

		await api.accountData.deleteAccount({ password: STRONG_PASSWORD });

		expect(await db.select().from(users).where(eq(users.id, practice.user.id))).toHaveLength(0);
		const left = [...fake.objects(practice.accountId).subscriptions.values()];
		expect(left).toHaveLength(2);
		expect(left.filter((s) => s.status !== 'canceled')).toEqual([]);
	});
});

describe('a paid series that ends', () => {
	it('deleted: every running subscription ends at once first; Stripe out of reach deletes nothing', async () => {
		const practice = await payingPractice('Uma', 2);
		const ids = practice.people.map((p) => p.subscriptionId);

		process.env.STRIPE_API_URL = 'http://127.0.0.1:9';
		const refused = await failure(practice.api.series.delete({ id: practice.series.id }));
		expect(refused.message).toContain('the series was not deleted');
		expect(
			await db.select().from(subscribers).where(eq(subscribers.seriesId, practice.series.id))
		).toHaveLength(2);
		configureStripe();

		await practice.api.series.delete({ id: practice.series.id });
		for (const id of ids) expect((await subscriptionOn(practice, id)).status).toBe('canceled');
	});

	it('archived: every running subscription ends with the period already paid for', async () => {
		const practice = await payingPractice('Vic', 2);
		await practice.api.series.setStatus({ id: practice.series.id, status: 'archived' });
		for (const { subscriptionId } of practice.people) {
			const subscription = await subscriptionOn(practice, subscriptionId);
			expect([subscription.status, subscription.cancel_at_period_end]).toEqual(['active', true]);
		}
	});
});
