/**
 * A paid subscription's whole life through the webhooks: the same end whatever order and however
 * often its events arrive, every email once, never more paid places than places, and nothing of a
 * card or of Stripe's keys in the database.
 */
import { and, eq, sql } from 'drizzle-orm';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../src/lib/server/db';
import {
	emailDeliveries,
	subscribers,
	users,
	type SubscriberRow
} from '../../src/lib/server/db/schema';
import { stripeApi } from '../../src/lib/server/payments/stripe';
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
import { waitFor } from './support/wait';

let db: Database;
let url: string;
let fake: FakeStripe;
let app: App;
let stripe: Stripe;

beforeAll(async () => {
	({ db, url } = await useTestDatabase());
	({ fake, app } = await usePayments());
	stripe = stripeApi()!;
});

type Paid = Awaited<ReturnType<typeof paidSeries>>;

const purposesOf = async (to: string) =>
	(
		await db
			.select({ purpose: emailDeliveries.purpose })
			.from(emailDeliveries)
			.where(eq(emailDeliveries.recipient, to))
	)
		.map((r) => r.purpose)
		.sort();

/** A subscriber as Stripe's subscription makes them, independent of when it was made. */
function stateOf(row: SubscriberRow, subscription: Stripe.Subscription | undefined) {
	const periodEnd = subscription?.items.data[0]?.current_period_end;
	return {
		status: row.status,
		payment: row.payment,
		held: row.holdUntil !== null,
		subscription: row.stripeSubscriptionId === subscription?.id,
		customer: row.stripeCustomerId !== null,
		paidUntilIsPeriodEnd: row.paidUntil?.getTime() === (periodEnd ?? 0) * 1000,
		cancelAtPeriodEnd: row.cancelAt ? row.cancelAt.getTime() === (periodEnd ?? 0) * 1000 : null
	};
}

/** The subscription Stripe made for a subscriber's paid Checkout. */
function subscriptionOf(paid: Paid, sessionId: string): Stripe.Subscription | undefined {
	const session = fake.objects(paid.accountId).checkoutSessions.get(sessionId);
	const id = session?.subscription;
	return id
		? (fake
				.objects(paid.accountId)
				.subscriptions.get(id as string) as unknown as Stripe.Subscription)
		: undefined;
}

/** The app's webhook endpoint, as Stripe would call it. */
function postWebhook(payload: string, signature: string) {
	return fetch(`${app.origin}/api/webhooks/stripe`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', 'stripe-signature': signature },
		body: payload
	});
}

type Step = { name: string; run: (subscriptionId: string) => Promise<unknown> };

describe('a paid subscription’s events', () => {
	it('end in the same state delivered three times in shuffled order as once in order, with every email once', async () => {
		const paid = await paidSeries(db, fake, 5);
		const inOrder = await signUpPaid(db, paid.slug, 1);
		const shuffled = await signUpPaid(db, paid.slug, 2);
		const on = { stripeAccount: paid.accountId };
		const steps: Step[] = [
			{ name: 'a payment fails', run: (id) => fake.failPayment(id) },
			{ name: 'the payment recovers', run: (id) => fake.recoverPayment(id) },
			{ name: 'a renewal is paid', run: (id) => fake.endPeriod(id) },
			{
				name: 'cancelled at the period’s end',
				run: (id) => stripe.subscriptions.update(id, { cancel_at_period_end: true }, on)
			},
			{ name: 'the period ends', run: (id) => fake.endPeriod(id) }
		];
		const expected: Record<string, unknown>[] = [
			{ status: 'active', payment: 'paid', cancelAtPeriodEnd: null },
			{ status: 'active', payment: 'past_due', cancelAtPeriodEnd: null },
			{ status: 'active', payment: 'paid', cancelAtPeriodEnd: null },
			{ status: 'active', payment: 'paid', cancelAtPeriodEnd: null },
			{ status: 'active', payment: 'paid', cancelAtPeriodEnd: true },
			{ status: 'left', payment: 'canceled', cancelAtPeriodEnd: null }
		];
		const sessions = [sessionIdOf(inOrder.checkoutUrl!), sessionIdOf(shuffled.checkoutUrl!)];

		/** One step for both: the first subscriber's events at once, the second's held, then each delivered three times, shuffled. */
		const both = async (step: (subscriber: 0 | 1) => Promise<unknown>) => {
			await step(0);
			await fake.idle();
			fake.setDeliveryMode('held');
			try {
				await step(1);
			} finally {
				fake.setDeliveryMode('immediate');
			}
			const delivered = await fake.deliverHeld({ times: 3, shuffle: true });
			expect(delivered.every((d) => d.status === 200)).toBe(true);
		};
		const compare = async (i: number) => {
			const [a, b] = await Promise.all(
				[inOrder, shuffled].map((s) => subscriberByEmail(db, paid.id, s.email))
			);
			const stateA = stateOf(a!, subscriptionOf(paid, sessions[0]!));
			expect(stateA).toMatchObject({ ...expected[i], held: false, subscription: true });
			expect(stateA.paidUntilIsPeriodEnd).toBe(true);
			expect(stateOf(b!, subscriptionOf(paid, sessions[1]!))).toEqual(stateA);
			const [mailA, mailB] = await Promise.all([
				purposesOf(inOrder.email),
				purposesOf(shuffled.email)
			]);
			expect(mailB).toEqual(mailA);
			return mailA;
		};

		await both((s) => fake.completeCheckout(sessions[s]!));
		expect(await compare(0)).toEqual(['series-admitted', 'series-confirm']);
		for (const [i, step] of steps.entries()) {
			await both((s) => step.run(subscriptionOf(paid, sessions[s]!)!.id));
			await compare(i + 1);
		}
		expect(await purposesOf(inOrder.email)).toEqual([
			'billing-notice',
			'series-admitted',
			'series-confirm',
			'subscription-ended'
		]);
	});

	it('held until the subscription is over and then delivered three times, shuffled, end as it did in order', async () => {
		const paid = await paidSeries(db, fake, 5);
		const late = await signUpPaid(db, paid.slug, 3);
		const sessionId = sessionIdOf(late.checkoutUrl!);
		fake.setDeliveryMode('held');
		try {
			await fake.completeCheckout(sessionId);
			const id = subscriptionOf(paid, sessionId)!.id;
			await fake.failPayment(id);
			await fake.recoverPayment(id);
			await stripe.subscriptions.update(
				id,
				{ cancel_at_period_end: true },
				{ stripeAccount: paid.accountId }
			);
			await fake.endPeriod(id);
		} finally {
			fake.setDeliveryMode('immediate');
		}
		const delivered = await fake.deliverHeld({ times: 3, shuffle: true });
		expect(delivered.length).toBeGreaterThanOrEqual(7 * 3);
		const row = await subscriberByEmail(db, paid.id, late.email);
		expect(stateOf(row, subscriptionOf(paid, sessionId))).toEqual({
			status: 'left',
			payment: 'canceled',
			held: false,
			subscription: true,
			customer: true,
			paidUntilIsPeriodEnd: true,
			cancelAtPeriodEnd: null
		});
		// Read from Stripe, every event told of a subscription already over: the one email still
		// true is that it ended, sent once.
		expect(await purposesOf(late.email)).toEqual(['series-confirm', 'subscription-ended']);
	});

	it('read the subscription again: an old event arriving after newer ones leaves Stripe’s state as it is', async () => {
		const paid = await paidSeries(db, fake, 5);
		const payer = await signUpPaid(db, paid.slug, 5);
		const sessionId = sessionIdOf(payer.checkoutUrl!);
		await fake.completeCheckout(sessionId);
		await fake.idle();
		const id = subscriptionOf(paid, sessionId)!.id;
		fake.setDeliveryMode('held');
		try {
			await fake.failPayment(id);
			await fake.recoverPayment(id);
		} finally {
			fake.setDeliveryMode('immediate');
		}
		const held = fake.held();
		const stale = held.find(
			(e) =>
				e.type === 'customer.subscription.updated' &&
				(e.data.object as { status: string }).status === 'past_due'
		)!;
		// Everything else first, the failure's own update last: it says past_due, Stripe says paid.
		for (const event of [...held.filter((e) => e !== stale), stale]) {
			const payload = JSON.stringify(event);
			const signature = Stripe.webhooks.generateTestHeaderString({
				payload,
				secret: fake.webhookSecret
			});
			expect((await postWebhook(payload, signature)).status).toBe(200);
		}
		expect(await subscriberByEmail(db, paid.id, payer.email)).toMatchObject({
			status: 'active',
			payment: 'paid'
		});
		// The queued copies, now replays of events already applied, change nothing either.
		await fake.deliverHeld();
		expect((await subscriberByEmail(db, paid.id, payer.email)).payment).toBe('paid');
	});

	it('send one billing notice for a failed payment, even delivered three times, and mark the subscriber past due', async () => {
		const paid = await paidSeries(db, fake, 5);
		const payer = await signUpPaid(db, paid.slug, 4);
		const sessionId = sessionIdOf(payer.checkoutUrl!);
		await fake.completeCheckout(sessionId);
		await fake.idle();
		const id = subscriptionOf(paid, sessionId)!.id;
		fake.setDeliveryMode('held');
		try {
			await fake.failPayment(id);
		} finally {
			fake.setDeliveryMode('immediate');
		}
		const reads = () =>
			fake.requests.filter((r) => r.method === 'GET' && r.path === `/v1/subscriptions/${id}`)
				.length;
		const before = reads();
		const events = fake.held().length;
		await fake.deliverHeld({ times: 3, shuffle: true });
		// Each event is applied once; its replays do nothing, not even ask Stripe.
		expect(reads() - before).toBe(events);
		expect((await subscriberByEmail(db, paid.id, payer.email)).payment).toBe('past_due');
		const notices = await db
			.select()
			.from(emailDeliveries)
			.where(
				and(
					eq(emailDeliveries.recipient, payer.email),
					eq(emailDeliveries.purpose, 'billing-notice')
				)
			);
		expect(notices).toHaveLength(1);
		expect(notices[0]!.subject).toMatch(/Your payment did not go through/);
		expect(notices[0]!.text).toMatch(/\/m\/[0-9a-f-]{36}\.\S+/);
	});
});

describe('thirty visitors paying for ten places at once', () => {
	let other: Database;
	afterAll(async () => other?.$client.end());

	it('hold exactly ten places with Checkouts, send the rest the waitlist’s way, and never let more than ten pay', async () => {
		// Two app instances, each batching its own visitors: only the series' lock keeps count.
		other = createDatabase(url);
		const paid = await paidSeries(db, fake, 10);
		const answers = await Promise.all(
			Array.from({ length: 30 }, (_, n) => signUpPaid(n % 2 ? db : other, paid.slug, 100 + n))
		);
		const paying = answers.filter((a) => a.checkoutUrl);
		expect(paying).toHaveLength(10);
		expect(new Set(paying.map((a) => a.checkoutUrl)).size).toBe(10);
		const rows = await db.select().from(subscribers).where(eq(subscribers.seriesId, paid.id));
		expect(rows.filter((r) => r.status === 'held')).toHaveLength(10);
		// The places kept for those paying count: the twenty others confirmed onto the waitlist.
		expect(rows.filter((r) => r.status === 'waitlisted')).toHaveLength(20);

		await Promise.all(paying.map((a) => fake.completeCheckout(sessionIdOf(a.checkoutUrl!))));
		await fake.idle();
		const afterPaying = await db
			.select()
			.from(subscribers)
			.where(eq(subscribers.seriesId, paid.id));
		expect(afterPaying.filter((r) => r.status === 'active' && r.payment === 'paid')).toHaveLength(
			10
		);

		// Someone waiting pays through a Checkout made outside the app for their id: the series is
		// full, so that subscription is cancelled at once and they are told.
		const waiting = afterPaying.find((r) => r.status === 'waitlisted')!;
		const metadata = { subscriber_id: waiting.id, series_id: paid.id };
		const stray = await stripe.checkout.sessions.create(
			{
				mode: 'subscription',
				line_items: [{ price: paid.priceId, quantity: 1 }],
				customer_email: waiting.email,
				metadata,
				subscription_data: { metadata },
				success_url: 'https://example.com/done'
			},
			{ stripeAccount: paid.accountId }
		);
		await fake.completeCheckout(stray.id);
		await fake.idle();
		// Stripe is asked once the series' lock is let go: the cancellation, then its own event.
		await waitFor(
			'the late subscription to be cancelled',
			() => subscriptionOf(paid, stray.id)?.status === 'canceled'
		);
		await fake.idle();
		const straySubscription = subscriptionOf(paid, stray.id)!;
		expect(straySubscription.status).toBe('canceled');
		expect(await subscriberByEmail(db, paid.id, waiting.email)).toMatchObject({
			status: 'waitlisted',
			payment: null
		});
		expect(await purposesOf(waiting.email)).toContain('place-gone');
		// Later signups find the series full and get no Checkout.
		expect((await signUpPaid(db, paid.slug, 200)).checkoutUrl).toBeNull();
		const [count] = await db.execute<{ n: number }>(
			sql`select count(*)::int as n from ${subscribers} where series_id = ${paid.id} and status in ('active', 'held')`
		);
		expect(count!.n).toBe(10);
	});
});

describe('the database after a whole paid flow', () => {
	it('holds nothing like a card number and no Stripe secret key', async () => {
		const paid = await paidSeries(db, fake, 5);
		const payer = await signUpPaid(db, paid.slug, 300);
		const checkout = await fetch(payer.checkoutUrl!);
		expect(checkout.status).toBe(200);
		const form = (await checkout.text()).match(/<form method="post" action="([^"]+)"/)![1]!;
		// As a browser that sent every field would, the card number typed in included.
		const paidAnswer = await fetch(new URL(form, fake.url), {
			method: 'POST',
			body: new URLSearchParams({ email: payer.email, card: '4242 4242 4242 4242' }),
			redirect: 'manual'
		});
		expect(paidAnswer.headers.get('location')).toMatch(/\?paid=cs_/);
		await fake.idle();
		const row = await subscriberByEmail(db, paid.id, payer.email);
		expect(row.payment).toBe('paid');
		await fake.failPayment(row.stripeSubscriptionId!);
		await fake.recoverPayment(row.stripeSubscriptionId!);
		await fake.endPeriod(row.stripeSubscriptionId!);
		await fake.idle();

		const columns = await db.execute<{ schema: string; table: string; column: string }>(sql`
			select table_schema as schema, table_name as table, column_name as column
			from information_schema.columns c
			where table_schema not in ('pg_catalog', 'information_schema')
				and (data_type in ('text', 'character varying', 'json', 'jsonb', 'character')
					or (data_type = 'ARRAY' and udt_name in ('_text', '_varchar')))
				and exists (select 1 from information_schema.tables t
					where t.table_schema = c.table_schema and t.table_name = c.table_name
						and t.table_type = 'BASE TABLE')`);
		expect(columns.length).toBeGreaterThan(20);
		// A number standing alone of 13 to 19 digits, perhaps grouped as typed, that passes the
		// Luhn check as every card number does. A time in milliseconds (the job queue's records
		// hold some) has a card's length: one within five years of now is not taken for a card.
		const numberRuns = /(?<![0-9A-Za-z])(?:[0-9][ -]?){12,18}[0-9](?![0-9A-Za-z])/g;
		const luhn = (digits: string) =>
			[...digits].reverse().reduce((sum, d, i) => {
				const n = Number(d) * (i % 2 ? 2 : 1);
				return sum + (n > 9 ? n - 9 : n);
			}, 0) %
				10 ===
			0;
		const fiveYears = 5 * 365 * 86_400_000;
		const aTime = (digits: string) =>
			digits.length === 13 && Math.abs(Number(digits) - Date.now()) < fiveYears;
		const cardLike = (text: string) =>
			[...text.matchAll(numberRuns)]
				.map(([run]) => run.replace(/[ -]/g, ''))
				.some((digits) => luhn(digits) && !aTime(digits));
		// The test's own practitioners have Date.now() in their addresses: not the app's doing.
		const fixtures = (await db.select({ email: users.email }).from(users)).map((u) => u.email);
		const found: string[] = [];
		let values = 0;
		for (const { schema, table, column } of columns) {
			const rows = await db.execute<{ value: string | null }>(
				sql`select ${sql.identifier(column)}::text as value from ${sql.identifier(schema)}.${sql.identifier(table)}`
			);
			for (const { value } of rows) {
				if (value === null) continue;
				values += 1;
				const text = fixtures.reduce((left, email) => left.replaceAll(email, ''), value);
				if (cardLike(text) || value.includes('4242424242424242'))
					found.push(`${schema}.${table}.${column}: card-like`);
				if (value.includes(fake.secretKey) || /\b[sr]k_(test|live)_/.test(value))
					found.push(`${schema}.${table}.${column}: a Stripe key`);
			}
		}
		expect(values).toBeGreaterThan(100);
		expect(found).toEqual([]);
	});
});
