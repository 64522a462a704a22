/**
 * Signing up for a paid series: a place kept while Checkout is open, the webhooks that settle
 * it (whatever order they come in), and the practitioner's account as the only one trusted.
 * The app is served over HTTP and the fake Stripe delivers its signed events to it.
 */
import { eq } from 'drizzle-orm';
import Stripe from 'stripe';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db';
import {
	emailDeliveries,
	stripeAccounts,
	stripeEvents,
	subscribers
} from '../../src/lib/server/db/schema';
import { stripeApi } from '../../src/lib/server/payments/stripe';
import * as seriesPage from '../../src/routes/s/[slug]/+page.server';
import * as confirmPage from '../../src/routes/s/[slug]/confirm/[token]/+page.server';
import type { FakeStripe } from '../fakes/stripe';
import type { App } from './support/app-server';
import { useTestDatabase } from './support/database';
import {
	confirmTokenOf,
	paidSeries,
	sessionIdOf,
	signUpPaid,
	subscriberByEmail,
	usePayments
} from './support/payments';
import { answerOf, requestEvent } from './support/routes';
import { failure } from './support/errors';

let db: Database;
let fake: FakeStripe;
let app: App;

beforeAll(async () => {
	({ db } = await useTestDatabase());
	({ fake, app } = await usePayments());
});

const checkoutCreations = (account: string) =>
	fake.requests.filter(
		(r) =>
			r.method === 'POST' &&
			r.path === '/v1/checkout/sessions' &&
			r.stripeAccount === account &&
			r.status === 200
	);

describe('a paid signup', () => {
	it('keeps a place for 30 minutes and sends the visitor to Checkout on the practitioner’s account', async () => {
		const paid = await paidSeries(db, fake, 5);
		const before = Date.now();
		const { email, checkoutUrl } = await signUpPaid(db, paid.slug, 1);
		expect(checkoutUrl).toMatch(`${fake.url}/_fake/checkout/`);
		const held = await subscriberByEmail(db, paid.id, email);
		expect(held.status).toBe('held');
		expect(held.checkoutSessionId).toBe(sessionIdOf(checkoutUrl!));
		expect(held.holdUntil!.getTime()).toBeGreaterThanOrEqual(before + 30 * 60_000);
		expect(held.holdUntil!.getTime()).toBeLessThan(Date.now() + 32 * 60_000);
		const seconds = Math.floor(held.holdUntil!.getTime() / 1000);
		expect(seconds % 60).toBe(0);
		const [created] = checkoutCreations(paid.accountId);
		expect(created!.idempotencyKey).toBeTruthy();
		expect(created!.body).toMatchObject({
			mode: 'subscription',
			customer_email: email,
			client_reference_id: held.id,
			line_items: [{ price: expect.stringMatching(/^price_/), quantity: '1' }],
			metadata: { subscriber_id: held.id, series_id: paid.id },
			subscription_data: {
				metadata: { subscriber_id: held.id, series_id: paid.id, hold: `${held.arrival}` }
			},
			expires_at: `${seconds}`
		});
		// The one email: the link that proved the address, saying what confirming leads to.
		const mails = await db
			.select()
			.from(emailDeliveries)
			.where(eq(emailDeliveries.recipient, email));
		expect(mails.map((m) => m.purpose)).toEqual(['series-confirm']);
		expect(mails[0]!.text).toContain('€12.00 per month');
		expect(mails[0]!.text).toContain('Confirm and pay');
	});

	it('sends the same address back to the same Checkout while it is open: one place, one session', async () => {
		const paid = await paidSeries(db, fake, 5);
		const first = await signUpPaid(db, paid.slug, 1);
		const again = await signUpPaid(db, paid.slug, 1);
		expect(again.checkoutUrl).toBe(first.checkoutUrl);
		const rows = await db.select().from(subscribers).where(eq(subscribers.seriesId, paid.id));
		expect(rows.map((r) => r.status)).toEqual(['held']);
		expect(checkoutCreations(paid.accountId)).toHaveLength(1);
		expect((await paid.api.series.list()).length).toBeGreaterThan(0);
	});

	it('answers the confirmation page’s button with a 303 to Checkout, which works without JavaScript', async () => {
		const paid = await paidSeries(db, fake, 5);
		const signedUp = await answerOf(() =>
			seriesPage.actions.default!(
				requestEvent({
					path: `/s/${paid.slug}`,
					params: { slug: paid.slug },
					form: { name: 'Form Payer', email: 'form-payer@example.com', consent: 'on' }
				}) as never
			)
		);
		expect(signedUp.status).toBe(200);
		const token = await confirmTokenOf(db, paid.slug, 'form-payer@example.com');
		const answer = await answerOf(() =>
			confirmPage.actions.default!(
				requestEvent({
					path: `/s/${paid.slug}/confirm/${token}`,
					params: { slug: paid.slug, token },
					form: {}
				}) as never
			)
		);
		expect(answer.status).toBe(303);
		expect(answer.location).toMatch(`${fake.url}/_fake/checkout/cs_`);
		const held = await subscriberByEmail(db, paid.id, 'form-payer@example.com');
		expect(held.checkoutSessionId).toBe(sessionIdOf(answer.location!));
	});

	it('releases the place at once and says so when Stripe cannot open Checkout', async () => {
		const paid = await paidSeries(db, fake, 1);
		fake.failNext('POST', '/v1/checkout/sessions', {
			status: 400,
			error: { type: 'invalid_request_error', message: 'No such price' }
		});
		const error = await failure(signUpPaid(db, paid.slug, 1));
		expect(error.code).toBe('BAD_GATEWAY');
		expect(error.message).toMatch(/no place was kept/);
		const [row] = await db.select().from(subscribers).where(eq(subscribers.seriesId, paid.id));
		expect(row!.status).toBe('left');
		// The one place is free again: the next visitor gets it.
		expect((await signUpPaid(db, paid.slug, 2)).checkoutUrl).toBeTruthy();
	});

	it('is refused with the reason when the practitioner cannot take payments, and the page says so', async () => {
		const paid = await paidSeries(db, fake, 5);
		await db
			.update(stripeAccounts)
			.set({ chargesEnabled: false })
			.where(eq(stripeAccounts.accountId, paid.accountId));
		const error = await failure(signUpPaid(db, paid.slug, 1));
		expect(error.message).toBe(
			'This series is not taking signups now. The practitioner’s Stripe account cannot take payments yet.'
		);
		expect(await db.select().from(subscribers).where(eq(subscribers.seriesId, paid.id))).toEqual(
			[]
		);
		const page = await (await fetch(`${app.origin}/s/${paid.slug}`)).text();
		expect(page).toContain('This series is not taking signups now.');
		expect(page).not.toContain('We email you a link to confirm');
		await db.delete(stripeAccounts).where(eq(stripeAccounts.accountId, paid.accountId));
		const gone = await failure(signUpPaid(db, paid.slug, 2));
		expect(gone.message).toMatch(/has not connected a Stripe account/);
	});

	it('shows the price and the places left on the public page', async () => {
		const paid = await paidSeries(db, fake, 5);
		await signUpPaid(db, paid.slug, 1);
		const page = await (await fetch(`${app.origin}/s/${paid.slug}`)).text();
		expect(page).toContain('€12.00 per month');
		expect(page).toContain('4 of 5 places left');
		expect(page).toContain('Your place is kept for 30 minutes once you confirm');
		const back = await (await fetch(`${app.origin}/s/${paid.slug}?paid=cs_test_1`)).text();
		expect(back).toContain('Thank you — your place is confirmed as soon as Stripe tells us');
		const until = Date.now() + 20 * 60_000;
		const cancelled = await (
			await fetch(`${app.origin}/s/${paid.slug}?checkout=cancelled&until=${until}`)
		).text();
		expect(cancelled).toContain('You did not pay; your place is kept until');
	});
});

/** The app's webhook endpoint, as Stripe would call it. */
function postWebhook(payload: string, signature: string) {
	return fetch(`${app.origin}/api/webhooks/stripe`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', 'stripe-signature': signature },
		body: payload
	});
}

describe('the subscription webhooks', () => {
	it('answer a mis-signed or stale event with 400 and change nothing', async () => {
		const paid = await paidSeries(db, fake, 5);
		const { email, checkoutUrl } = await signUpPaid(db, paid.slug, 1);
		fake.setDeliveryMode('held');
		try {
			await fake.completeCheckout(sessionIdOf(checkoutUrl!));
		} finally {
			fake.setDeliveryMode('immediate');
		}
		const completed = fake.held().find((e) => e.type === 'checkout.session.completed')!;
		const payload = JSON.stringify(completed);
		const misSigned = Stripe.webhooks.generateTestHeaderString({
			payload,
			secret: 'whsec_not_the_endpoints_secret'
		});
		const stale = Stripe.webhooks.generateTestHeaderString({
			payload,
			secret: fake.webhookSecret,
			timestamp: Math.floor(Date.now() / 1000) - 6 * 60
		});
		expect((await postWebhook(payload, misSigned)).status).toBe(400);
		expect((await postWebhook(payload, stale)).status).toBe(400);
		expect((await postWebhook(payload, 'garbage')).status).toBe(400);
		const recorded = await db.select().from(stripeEvents).where(eq(stripeEvents.id, completed.id));
		expect(recorded).toEqual([]);
		expect((await subscriberByEmail(db, paid.id, email)).status).toBe('held');
		// The same event, rightly signed, is what admits them.
		const signed = Stripe.webhooks.generateTestHeaderString({
			payload,
			secret: fake.webhookSecret
		});
		expect((await postWebhook(payload, signed)).status).toBe(200);
		const admitted = await subscriberByEmail(db, paid.id, email);
		expect(admitted).toMatchObject({ status: 'active', payment: 'paid', holdUntil: null });
		await fake.deliverHeld();
	});

	it('ignore a subscription that another account claims for one of our subscribers', async () => {
		const paid = await paidSeries(db, fake, 5);
		const { email } = await signUpPaid(db, paid.slug, 1);
		const held = await subscriberByEmail(db, paid.id, email);
		// Another practitioner's account makes a subscription naming our subscriber in its metadata.
		const other = await paidSeries(db, fake, 5);
		const stripe = stripeApi()!;
		const metadata = { subscriber_id: held.id, series_id: paid.id };
		const session = await stripe.checkout.sessions.create(
			{
				mode: 'subscription',
				line_items: [{ price: other.priceId, quantity: 1 }],
				metadata,
				subscription_data: { metadata },
				success_url: 'https://example.com/done'
			},
			{ stripeAccount: other.accountId }
		);
		const before = fake.deliveries.length;
		await fake.completeCheckout(session.id);
		await fake.idle();
		const answered = fake.deliveries.slice(before);
		expect(answered.length).toBeGreaterThan(0);
		expect(answered.every((d) => d.status === 200)).toBe(true);
		expect(await subscriberByEmail(db, paid.id, email)).toMatchObject({
			status: 'held',
			payment: null,
			stripeSubscriptionId: null
		});
	});
});
