/**
 * A paid series' signup says nothing about who is signed up, and a place kept while paying ends
 * with its Checkout: leaving or removal closes it at Stripe, an older subscription never takes
 * over a newer hold, two clicks open one Checkout, and a second subscription does not run on.
 */
import { and, eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db';
import { emailDeliveries, subscribers } from '../../src/lib/server/db/schema';
import { stripeApi } from '../../src/lib/server/payments/stripe';
import { signLink } from '../../src/lib/server/signed-links';
import type { FakeStripe } from '../fakes/stripe';
import type { App } from './support/app-server';
import { TestBrowser } from './support/browser';
import { useTestDatabase } from './support/database';
import { failure } from './support/errors';
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

const visitor = async () => (await new TestBrowser(db).api()).subscribers;

const session = (accountId: string, id: string) =>
	stripeApi()!.checkout.sessions.retrieve(id, {}, { stripeAccount: accountId });

const subscription = (accountId: string, id: string) =>
	stripeApi()!.subscriptions.retrieve(id, {}, { stripeAccount: accountId });

/** Pays in the fake Checkout and waits until the webhooks made them active. */
async function pay(seriesId: string, email: string, checkoutUrl: string) {
	await fake.completeCheckout(sessionIdOf(checkoutUrl));
	await fake.idle();
	await waitFor(`${email} active`, async () => {
		return (await subscriberByEmail(db, seriesId, email)).status === 'active';
	});
	return subscriberByEmail(db, seriesId, email);
}

/** The page's form posted as the page's own script does, answered by the app over HTTP. */
async function postForm(slug: string, email: string) {
	const response = await fetch(`${app.origin}/s/${slug}`, {
		method: 'POST',
		headers: { origin: app.origin, accept: 'application/json', 'x-sveltekit-action': 'true' },
		body: new URLSearchParams({ name: 'Someone', email, phone: '', consent: 'on', website: '' })
	});
	const body = await response.text();
	return {
		status: response.status,
		contentType: response.headers.get('content-type'),
		location: response.headers.get('location'),
		setCookie: response.headers.get('set-cookie'),
		// The address itself is echoed back to whoever typed it; nothing else may differ.
		body: body.replaceAll(email, '<address>')
	};
}

describe('the paid signup form', () => {
	it('answers a new, pending, held, active and waitlisted address alike while places are free', async () => {
		const paid = await paidSeries(db, fake, 5);
		const pendingEmail = `pending-${paid.slug}@example.com`;
		await (
			await visitor()
		).signUp({
			slug: paid.slug,
			fields: { name: 'Pending', email: pendingEmail, phone: '', consent: true, website: '' }
		});
		const held = await signUpPaid(db, paid.slug, 1);
		const active = await signUpPaid(db, paid.slug, 2);
		await pay(paid.id, active.email, active.checkoutUrl!);
		const waiting = await signUpPaid(db, paid.slug, 3);
		await db
			.update(subscribers)
			.set({ status: 'waitlisted', holdUntil: null, checkoutSessionId: null })
			.where(eq(subscribers.email, waiting.email));
		expect((await subscriberByEmail(db, paid.id, held.email)).status).toBe('held');

		const answers = [];
		for (const email of [
			`new-${paid.slug}@example.com`,
			pendingEmail,
			held.email,
			active.email,
			waiting.email
		]) {
			answers.push(await postForm(paid.slug, email));
		}
		expect(answers[0]!.status).toBe(200);
		expect(answers[0]!.body).toContain('we sent a link to <address>');
		for (const answer of answers) expect(answer).toEqual(answers[0]);
	});
});

describe('leaving or being removed while paying', () => {
	it('closes the Checkout at Stripe before the place is released', async () => {
		const paid = await paidSeries(db, fake, 5);
		const leaver = await signUpPaid(db, paid.slug, 1);
		const removed = await signUpPaid(db, paid.slug, 2);
		const leaverRow = await subscriberByEmail(db, paid.id, leaver.email);
		await (await visitor()).leave({ token: await signLink(db, 'manage', leaverRow.id) });
		expect((await session(paid.accountId, sessionIdOf(leaver.checkoutUrl!))).status).toBe(
			'expired'
		);
		expect((await subscriberByEmail(db, paid.id, leaver.email)).status).toBe('left');
		const removedRow = await subscriberByEmail(db, paid.id, removed.email);
		await paid.api.subscribers.remove({ id: removedRow.id });
		expect((await session(paid.accountId, sessionIdOf(removed.checkoutUrl!))).status).toBe(
			'expired'
		);
	});

	it('is refused while a payment made just now is not yet recorded, and the payment then counts', async () => {
		const paid = await paidSeries(db, fake, 5);
		const payer = await signUpPaid(db, paid.slug, 1);
		const row = await subscriberByEmail(db, paid.id, payer.email);
		fake.setDeliveryMode('held');
		try {
			await fake.completeCheckout(sessionIdOf(payer.checkoutUrl!));
		} finally {
			fake.setDeliveryMode('immediate');
		}
		const leaving = await failure(
			(await visitor()).leave({ token: await signLink(db, 'manage', row.id) })
		);
		expect(leaving.message).toMatch(/just been paid for/);
		const removing = await failure(paid.api.subscribers.remove({ id: row.id }));
		expect(removing.message).toMatch(/just been paid for/);
		expect((await subscriberByEmail(db, paid.id, payer.email)).status).toBe('held');
		await fake.deliverHeld();
		expect(await subscriberByEmail(db, paid.id, payer.email)).toMatchObject({
			status: 'active',
			payment: 'paid'
		});
	});

	it('ends a subscription whose subscriber is gone, on a series of the same account', async () => {
		const paid = await paidSeries(db, fake, 5);
		const payer = await signUpPaid(db, paid.slug, 1);
		fake.setDeliveryMode('held');
		try {
			await fake.completeCheckout(sessionIdOf(payer.checkoutUrl!));
		} finally {
			fake.setDeliveryMode('immediate');
		}
		const subscriptionId = (await session(paid.accountId, sessionIdOf(payer.checkoutUrl!)))
			.subscription as string;
		// Gone before the payment's events came (removed while Stripe could not be asked).
		await db.delete(subscribers).where(eq(subscribers.email, payer.email));
		await fake.deliverHeld();
		expect((await subscription(paid.accountId, subscriptionId)).status).toBe('canceled');
	});
});

describe('an older subscription', () => {
	it('never makes a new signup of the same person active, nor ends it', async () => {
		const paid = await paidSeries(db, fake, 5);
		const first = await signUpPaid(db, paid.slug, 1);
		const row = await pay(paid.id, first.email, first.checkoutUrl!);
		const s1 = row.stripeSubscriptionId!;
		await (await visitor()).leave({ token: await signLink(db, 'manage', row.id) });
		expect((await subscription(paid.accountId, s1)).cancel_at).not.toBeNull();
		const again = await signUpPaid(db, paid.slug, 1);
		expect(again.checkoutUrl).not.toBe(first.checkoutUrl);
		expect(await subscriberByEmail(db, paid.id, first.email)).toMatchObject({
			status: 'held',
			stripeSubscriptionId: null,
			payment: null
		});
		// S1 still runs until its period ends: any event of it is read again and changes nothing.
		await fake.sendEvent(
			'customer.subscription.updated',
			paid.accountId,
			await subscription(paid.accountId, s1)
		);
		await fake.idle();
		expect((await subscriberByEmail(db, paid.id, first.email)).status).toBe('held');
		const paying = await pay(paid.id, first.email, again.checkoutUrl!);
		expect(paying.stripeSubscriptionId).not.toBe(s1);
		await fake.endPeriod(s1);
		await fake.idle();
		expect(await subscriberByEmail(db, paid.id, first.email)).toMatchObject({
			status: 'active',
			payment: 'paid',
			stripeSubscriptionId: paying.stripeSubscriptionId
		});
	});
});

describe('paying twice', () => {
	it('two clicks on an offer’s Pay open one Checkout', async () => {
		const paid = await paidSeries(db, fake, 1);
		const holder = await signUpPaid(db, paid.slug, 1);
		const waiting = await signUpAndConfirm(db, paid.slug, 2);
		expect(waiting.status).toBe('waitlisted');
		const holderRow = await subscriberByEmail(db, paid.id, holder.email);
		await (await visitor()).leave({ token: await signLink(db, 'manage', holderRow.id) });
		const [offered] = await db
			.select()
			.from(subscribers)
			.where(and(eq(subscribers.seriesId, paid.id), eq(subscribers.status, 'held')));
		// Little of the offer left: paying extends it to Checkout's 30 minutes.
		await db
			.update(subscribers)
			.set({ holdUntil: sql`now() + interval '10 minutes'` })
			.where(eq(subscribers.id, offered!.id));
		const token = await signLink(db, 'offer', offered!.id);
		const [first, second] = await Promise.all([
			(await visitor()).payOffer({ token }),
			(await visitor()).payOffer({ token })
		]);
		expect(second.checkoutUrl).toBe(first.checkoutUrl);
		const third = await (await visitor()).payOffer({ token });
		expect(third.checkoutUrl).toBe(first.checkoutUrl);
		// The place is kept exactly as long as that one Checkout is open.
		const kept = await subscriberByEmail(db, paid.id, offered!.email);
		const opened = await session(paid.accountId, sessionIdOf(first.checkoutUrl));
		expect(opened.expires_at * 1000).toBe(kept.holdUntil!.getTime());
	});

	it('ends a second subscription for a place already paid, and says to ask for a refund', async () => {
		const paid = await paidSeries(db, fake, 5);
		const payer = await signUpPaid(db, paid.slug, 1);
		const row = await pay(paid.id, payer.email, payer.checkoutUrl!);
		// A second Checkout for the same person, paid too.
		const metadata = { subscriber_id: row.id, series_id: paid.id };
		const second = await stripeApi()!.checkout.sessions.create(
			{
				mode: 'subscription',
				line_items: [{ price: paid.priceId, quantity: 1 }],
				metadata,
				subscription_data: { metadata },
				success_url: 'https://example.com/done'
			},
			{ stripeAccount: paid.accountId }
		);
		await fake.completeCheckout(second.id);
		await fake.idle();
		const extra = (await session(paid.accountId, second.id)).subscription as string;
		expect((await subscription(paid.accountId, extra)).status).toBe('canceled');
		expect(await subscriberByEmail(db, paid.id, payer.email)).toMatchObject({
			status: 'active',
			stripeSubscriptionId: row.stripeSubscriptionId
		});
		const told = await db
			.select()
			.from(emailDeliveries)
			.where(
				and(
					eq(emailDeliveries.recipient, payer.email),
					eq(emailDeliveries.purpose, 'charged-twice')
				)
			);
		expect(told).toHaveLength(1);
		expect(told[0]!.text).toContain('ask Robin Therapist for a refund');
	});
});
