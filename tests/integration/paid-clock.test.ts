/**
 * When Stripe fails, or no longer knows: a webhook whose handler cannot reach Stripe leaves no
 * trace and is applied by its retry; the minute's clock keeps a hold Stripe cannot settle and
 * releases it later, releases one whose Checkout Stripe can never take payment for, and is not
 * jammed by a crowd of holds waiting on Stripe; a payment refused for a place already gone gets
 * no billing notice.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
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
import { releaseLapsedHolds } from '../../src/lib/server/payments/checkout';
import type { FakeStripe } from '../fakes/stripe';
import type { App } from './support/app-server';
import { useTestDatabase } from './support/database';
import {
	paidSeries,
	sessionIdOf,
	signUpPaid,
	subscriberByEmail,
	usePayments
} from './support/payments';
import { signUpAndConfirm } from './support/series';
import { waitFor } from './support/wait';

let db: Database;
let fake: FakeStripe;
let app: App;

beforeAll(async () => {
	({ db } = await useTestDatabase());
	({ fake, app } = await usePayments());
});

const purposesOf = async (to: string) =>
	(
		await db
			.select({ purpose: emailDeliveries.purpose })
			.from(emailDeliveries)
			.where(eq(emailDeliveries.recipient, to))
	)
		.map((r) => r.purpose)
		.sort();

/** One delivery of an event as Stripe makes it: the same event, freshly signed. */
function deliver(event: object) {
	const payload = JSON.stringify(event);
	const signature = Stripe.webhooks.generateTestHeaderString({
		payload,
		secret: fake.webhookSecret
	});
	return fetch(`${app.origin}/api/webhooks/stripe`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', 'stripe-signature': signature },
		body: payload
	});
}

const lapse = (id: string, ago = '1 second') =>
	db
		.update(subscribers)
		.set({ holdUntil: sql`now() - ${ago}::interval` })
		.where(eq(subscribers.id, id));

const stripeDown = { status: 500, error: { type: 'api_error', message: 'Stripe is down.' } };

describe('a webhook whose handler cannot reach Stripe', () => {
	it('is answered 5xx and recorded nowhere, and its retry applies everything once', async () => {
		const paid = await paidSeries(db, fake, 1);
		const payer = await signUpPaid(db, paid.slug, 1);
		fake.setDeliveryMode('held');
		try {
			await fake.completeCheckout(sessionIdOf(payer.checkoutUrl!));
		} finally {
			fake.setDeliveryMode('immediate');
		}
		const events = fake.held();
		const completed = events.find((e) => e.type === 'checkout.session.completed')!;
		fake.failNext('GET', /\/v1\/subscriptions\//, stripeDown);
		const failed = await deliver(completed);
		expect(failed.status).toBeGreaterThanOrEqual(500);
		expect(await db.select().from(stripeEvents).where(eq(stripeEvents.id, completed.id))).toEqual(
			[]
		);
		expect(await subscriberByEmail(db, paid.id, payer.email)).toMatchObject({
			status: 'held',
			payment: null
		});
		expect(await purposesOf(payer.email)).not.toContain('series-admitted');

		// Stripe retries it, and the other events arrive too.
		for (const event of [completed, ...events]) expect((await deliver(event)).status).toBe(200);
		await fake.deliverHeld();
		expect(await subscriberByEmail(db, paid.id, payer.email)).toMatchObject({
			status: 'active',
			payment: 'paid',
			holdUntil: null
		});
		const welcomes = (await purposesOf(payer.email)).filter((p) => p === 'series-admitted');
		expect(welcomes).toHaveLength(1);
		const recorded = await db
			.select({ id: stripeEvents.id })
			.from(stripeEvents)
			.where(eq(stripeEvents.id, completed.id));
		expect(recorded).toHaveLength(1);
	});
});

describe('the clock', () => {
	it('keeps a hold while Stripe cannot be reached, and releases it on its next run', async () => {
		const paid = await paidSeries(db, fake, 1);
		const holder = await signUpPaid(db, paid.slug, 1);
		const held = await subscriberByEmail(db, paid.id, holder.email);
		await lapse(held.id);
		const sessionId = held.checkoutSessionId!;
		fake.failNext('POST', `/v1/checkout/sessions/${sessionId}/expire`, stripeDown);
		fake.failNext('GET', `/v1/checkout/sessions/${sessionId}`, stripeDown);
		expect(await releaseLapsedHolds(db)).toBe(0);
		expect((await subscriberByEmail(db, paid.id, holder.email)).status).toBe('held');
		expect(fake.objects(paid.accountId).checkoutSessions.get(sessionId)!.status).toBe('open');

		// The expiry event waits until the clock is done, which it would otherwise race for the release.
		fake.setDeliveryMode('held');
		try {
			expect(await releaseLapsedHolds(db)).toBe(1);
		} finally {
			fake.setDeliveryMode('immediate');
		}
		expect((await subscriberByEmail(db, paid.id, holder.email)).status).toBe('left');
		expect(fake.objects(paid.accountId).checkoutSessions.get(sessionId)!.status).toBe('expired');
		await fake.deliverHeld();
		expect((await purposesOf(holder.email)).filter((p) => p === 'series-hold-lapsed')).toHaveLength(
			1
		);
	});

	it('releases a hold whose Checkout Stripe no longer knows: the practitioner reconnected to another account', async () => {
		const paid = await paidSeries(db, fake, 1);
		const holder = await signUpPaid(db, paid.slug, 1);
		const held = await subscriberByEmail(db, paid.id, holder.email);
		const other = await stripeApi()!.accounts.create({ type: 'standard', country: 'DE' });
		await fake.completeOnboarding(other.id);
		await db
			.update(stripeAccounts)
			.set({ accountId: other.id })
			.where(eq(stripeAccounts.userId, paid.ownerId));
		await lapse(held.id);
		expect(await releaseLapsedHolds(db)).toBe(1);
		expect((await subscriberByEmail(db, paid.id, holder.email)).status).toBe('left');
		expect(await purposesOf(holder.email)).toContain('series-hold-lapsed');
	});

	it('releases a hold whose account no longer lets Sessionboard in', async () => {
		const paid = await paidSeries(db, fake, 1);
		const holder = await signUpPaid(db, paid.slug, 1);
		const held = await subscriberByEmail(db, paid.id, holder.email);
		await lapse(held.id);
		const revoked = {
			status: 403,
			error: {
				type: 'invalid_request_error',
				code: 'account_invalid',
				message: 'Application access may have been revoked.'
			}
		};
		fake.failNext('POST', `/v1/checkout/sessions/${held.checkoutSessionId}/expire`, revoked);
		fake.failNext('GET', `/v1/checkout/sessions/${held.checkoutSessionId}`, revoked);
		expect(await releaseLapsedHolds(db)).toBe(1);
		expect((await subscriberByEmail(db, paid.id, holder.email)).status).toBe('left');
	});

	it('is not jammed by more holds waiting on Stripe than it looks at in one run, and logs them by id', async () => {
		const batch = 3;
		const paid = await paidSeries(db, fake, batch + 2);
		const waiting = await Promise.all(
			Array.from({ length: batch + 1 }, (_, i) => signUpPaid(db, paid.slug, i + 1))
		);
		const lapsing = await signUpPaid(db, paid.slug, 99);
		// Paid, but the completion has not arrived: the clock leaves these to it, run after run.
		fake.setDeliveryMode('held');
		try {
			for (const w of waiting) await fake.completeCheckout(sessionIdOf(w.checkoutUrl!));
			const rows = await db
				.select()
				.from(subscribers)
				.where(
					and(
						eq(subscribers.seriesId, paid.id),
						inArray(
							subscribers.email,
							waiting.map((w) => w.email)
						)
					)
				);
			for (const row of rows) await lapse(row.id, '2 hours');
			const open = await subscriberByEmail(db, paid.id, lapsing.email);
			await lapse(open.id);

			const logged: string[] = [];
			const run = () => releaseLapsedHolds(db, { batch, log: (m) => logged.push(m) });
			expect(await run()).toBe(0);
			expect(await run()).toBe(1);
			expect((await subscriberByEmail(db, paid.id, lapsing.email)).status).toBe('left');
			for (const row of rows) {
				expect((await subscriberByEmail(db, paid.id, row.email)).status).toBe('held');
			}
			expect(logged.length).toBeGreaterThanOrEqual(rows.length);
			for (const line of logged) {
				expect(line).toMatch(/^hold [0-9a-f-]{36} \(Checkout cs_\w+\) still unsettled, kept$/);
			}
			expect(new Set(logged.map((l) => l.split(' ')[1]))).toEqual(new Set(rows.map((r) => r.id)));
		} finally {
			fake.setDeliveryMode('immediate');
		}
		await fake.deliverHeld();
		const paidUp = await db
			.select()
			.from(subscribers)
			.where(and(eq(subscribers.seriesId, paid.id), eq(subscribers.status, 'active')));
		expect(paidUp).toHaveLength(batch + 1);
	});
});

describe('a payment refused because the place was already gone', () => {
	it('gets no billing notice when it fails', async () => {
		const paid = await paidSeries(db, fake, 1);
		const member = await signUpPaid(db, paid.slug, 1);
		await fake.completeCheckout(sessionIdOf(member.checkoutUrl!));
		await fake.idle();
		const waiting = await signUpAndConfirm(db, paid.slug, 2);
		expect(waiting.status).toBe('waitlisted');
		const waiter = await subscriberByEmail(db, paid.id, `visitor2-${paid.slug}@example.com`);

		// They pay through a Checkout made outside the app for their id, and the payment fails.
		fake.setDeliveryMode('held');
		let subscriptionId: string;
		try {
			const metadata = { subscriber_id: waiter.id, series_id: paid.id };
			const stray = await stripeApi()!.checkout.sessions.create(
				{
					mode: 'subscription',
					line_items: [{ price: paid.priceId, quantity: 1 }],
					customer_email: waiter.email,
					metadata,
					subscription_data: { metadata },
					success_url: 'https://example.com/done'
				},
				{ stripeAccount: paid.accountId }
			);
			const session = await fake.completeCheckout(stray.id);
			subscriptionId = session.subscription as string;
			await fake.failPayment(subscriptionId);
		} finally {
			fake.setDeliveryMode('immediate');
		}
		// The cancellation does not get through (yet): Stripe still has it past due.
		fake.failNext('DELETE', `/v1/subscriptions/${subscriptionId}`, stripeDown);
		const failure = fake.held().find((e) => e.type === 'invoice.payment_failed')!;
		expect((await deliver(failure)).status).toBe(200);
		await waitFor('the cancellation to be tried', () =>
			fake.requests.some(
				(r) => r.method === 'DELETE' && r.path === `/v1/subscriptions/${subscriptionId}`
			)
		);
		const purposes = await purposesOf(waiter.email);
		expect(purposes).toContain('place-gone');
		expect(purposes).not.toContain('billing-notice');
		expect((await subscriberByEmail(db, paid.id, waiter.email)).status).toBe('waitlisted');

		// The subscription's other events refuse it again, and now it ends.
		await fake.deliverHeld();
		await waitFor(
			'the late subscription to be cancelled',
			() => fake.objects(paid.accountId).subscriptions.get(subscriptionId)?.status === 'canceled'
		);
		await fake.idle();
		expect(await subscriberByEmail(db, paid.id, waiter.email)).toMatchObject({
			status: 'waitlisted',
			payment: null
		});
		expect((await purposesOf(waiter.email)).filter((p) => p === 'place-gone')).toHaveLength(1);
	});
});
