/**
 * Places kept for people paying, and their end: a Checkout that expires (Stripe's webhook, or
 * the minute's clock that asks Stripe to end it first), and the waitlist on a paid series, whose
 * first person is offered the freed place for 24 hours, then the next.
 */
import { and, eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db';
import { emailDeliveries, subscribers } from '../../src/lib/server/db/schema';
import { releaseLapsedHolds } from '../../src/lib/server/payments/checkout';
import { subscriberLinks } from '../../src/lib/server/subscribers/service';
import * as payPage from '../../src/routes/s/[slug]/pay/[token]/+page.server';
import type { FakeStripe } from '../fakes/stripe';
import { useTestDatabase } from './support/database';
import {
	paidSeries,
	sessionIdOf,
	signUpPaid,
	subscriberByEmail,
	usePayments
} from './support/payments';
import { answerOf, requestEvent } from './support/routes';
import { signUpAndConfirm, visitorEmail } from './support/series';

let db: Database;
let fake: FakeStripe;

beforeAll(async () => {
	({ db } = await useTestDatabase());
	({ fake } = await usePayments());
});

async function emailsOf(to: string, purpose: string) {
	return db
		.select()
		.from(emailDeliveries)
		.where(and(eq(emailDeliveries.recipient, to), eq(emailDeliveries.purpose, purpose)));
}

/** The token of the pay link in the offer email to `to`. */
async function offerToken(slug: string, to: string): Promise<string> {
	const [offer] = await emailsOf(to, 'series-offer');
	return offer!.text.match(new RegExp(`/s/${slug}/pay/(\\S+)`))![1]!;
}

/** A series of one place: a visitor holding it in Checkout, two more on the waitlist. */
async function fullWithWaitlist() {
	const paid = await paidSeries(db, fake, 1);
	const holder = await signUpPaid(db, paid.slug, 1);
	const second = await signUpAndConfirm(db, paid.slug, 2);
	const third = await signUpAndConfirm(db, paid.slug, 3);
	expect([second.status, third.status]).toEqual(['waitlisted', 'waitlisted']);
	return {
		paid,
		holder,
		secondEmail: visitorEmail(paid.slug, 2),
		thirdEmail: visitorEmail(paid.slug, 3)
	};
}

function offerPageAction(slug: string, token: string) {
	return answerOf(() =>
		payPage.actions.default!(
			requestEvent({ path: `/s/${slug}/pay/${token}`, params: { slug, token }, form: {} }) as never
		)
	);
}

const hoursFromNow = (instant: Date) => (instant.getTime() - Date.now()) / 3_600_000;

describe('a place kept while paying', () => {
	it('is released when Stripe expires the Checkout, and offered to the first person waiting, whose link opens a new Checkout', async () => {
		const { paid, holder, secondEmail, thirdEmail } = await fullWithWaitlist();
		await fake.expireCheckout(sessionIdOf(holder.checkoutUrl!));
		await fake.idle();
		expect(await subscriberByEmail(db, paid.id, holder.email)).toMatchObject({
			status: 'left',
			holdUntil: null
		});
		expect(await emailsOf(holder.email, 'series-hold-lapsed')).toHaveLength(1);
		const offered = await subscriberByEmail(db, paid.id, secondEmail);
		expect(offered.status).toBe('held');
		expect(hoursFromNow(offered.holdUntil!)).toBeCloseTo(24, 1);
		expect((await subscriberByEmail(db, paid.id, thirdEmail)).status).toBe('waitlisted');
		const [offer] = await emailsOf(secondEmail, 'series-offer');
		expect(offer!.subject).toMatch(/A place opened up — pay within 24 hours to take it/);

		const token = await offerToken(paid.slug, secondEmail);
		const shown = await payPage.load(
			requestEvent({
				path: `/s/${paid.slug}/pay/${token}`,
				params: { slug: paid.slug, token }
			}) as never
		);
		expect(shown!.offer.state).toBe('open');
		const answer = await offerPageAction(paid.slug, token);
		expect(answer.status).toBe(303);
		const sessionId = sessionIdOf(answer.location!);
		const session = fake.objects(paid.accountId).checkoutSessions.get(sessionId)!;
		const paying = await subscriberByEmail(db, paid.id, secondEmail);
		expect(paying.checkoutSessionId).toBe(sessionId);
		expect(session.expires_at).toBe(Math.floor(paying.holdUntil!.getTime() / 1000));
		expect(session.metadata).toEqual({
			hold: String(paying.arrival),
			subscriber_id: paying.id,
			series_id: paid.id
		});
		// The same button again: the same Checkout.
		expect((await offerPageAction(paid.slug, token)).location).toBe(answer.location);
		// Paying takes the place.
		await fake.completeCheckout(sessionId);
		await fake.idle();
		expect(await subscriberByEmail(db, paid.id, secondEmail)).toMatchObject({
			status: 'active',
			payment: 'paid',
			holdUntil: null
		});
	});

	it('is released by the clock, which first ends the Checkout at Stripe', async () => {
		const { paid, holder, secondEmail } = await fullWithWaitlist();
		const held = await subscriberByEmail(db, paid.id, holder.email);
		await db
			.update(subscribers)
			.set({ holdUntil: sql`now() - interval '1 second'` })
			.where(eq(subscribers.id, held.id));
		// Stripe's expiry event is kept back until the clock has finished: delivered at once it
		// would race the clock for the release, and either may win.
		fake.setDeliveryMode('held');
		try {
			expect(await releaseLapsedHolds(db)).toBe(1);
		} finally {
			fake.setDeliveryMode('immediate');
		}
		expect(fake.held().map((event) => event.type)).toContain('checkout.session.expired');
		await fake.deliverHeld();
		const session = fake.objects(paid.accountId).checkoutSessions.get(held.checkoutSessionId!)!;
		expect(session.status).toBe('expired');
		expect((await subscriberByEmail(db, paid.id, holder.email)).status).toBe('left');
		expect((await subscriberByEmail(db, paid.id, secondEmail)).status).toBe('held');
		// Released once, whether by the clock or by the expiry it caused: one offer, one notice.
		expect(await emailsOf(secondEmail, 'series-offer')).toHaveLength(1);
		expect(await emailsOf(holder.email, 'series-hold-lapsed')).toHaveLength(1);
	});

	it('is not released by the clock when the Checkout was paid first: the completion admits them', async () => {
		const { paid, holder, secondEmail } = await fullWithWaitlist();
		const held = await subscriberByEmail(db, paid.id, holder.email);
		fake.setDeliveryMode('held');
		try {
			await fake.completeCheckout(held.checkoutSessionId!);
			await db
				.update(subscribers)
				.set({ holdUntil: sql`now() - interval '1 second'` })
				.where(eq(subscribers.id, held.id));
			expect(await releaseLapsedHolds(db)).toBe(0);
			expect((await subscriberByEmail(db, paid.id, holder.email)).status).toBe('held');
		} finally {
			fake.setDeliveryMode('immediate');
		}
		await fake.deliverHeld();
		expect(await subscriberByEmail(db, paid.id, holder.email)).toMatchObject({
			status: 'active',
			payment: 'paid'
		});
		expect((await subscriberByEmail(db, paid.id, secondEmail)).status).toBe('waitlisted');
	});
});

describe('an offer on a paid series', () => {
	it('lapses unpaid after its time, and the next person is asked', async () => {
		const { paid, holder, secondEmail, thirdEmail } = await fullWithWaitlist();
		await fake.expireCheckout(sessionIdOf(holder.checkoutUrl!));
		await fake.idle();
		const offered = await subscriberByEmail(db, paid.id, secondEmail);
		await db
			.update(subscribers)
			.set({ holdUntil: sql`now() - interval '1 second'` })
			.where(eq(subscribers.id, offered.id));
		expect(await releaseLapsedHolds(db)).toBe(1);
		expect(await subscriberByEmail(db, paid.id, secondEmail)).toMatchObject({
			status: 'left',
			holdUntil: null
		});
		const [lapsed] = await emailsOf(secondEmail, 'series-hold-lapsed');
		expect(lapsed!.text).toContain('it was not paid for, so it has gone to the next person');
		expect((await subscriberByEmail(db, paid.id, thirdEmail)).status).toBe('held');
		expect(await emailsOf(thirdEmail, 'series-offer')).toHaveLength(1);
		// Their 24 hours have only begun: the clock leaves the offer alone.
		expect(await releaseLapsedHolds(db)).toBe(0);
		expect((await subscriberByEmail(db, paid.id, thirdEmail)).status).toBe('held');
		// The lapsed link says so and opens no Checkout.
		const token = await offerToken(paid.slug, secondEmail);
		const shown = await payPage.load(
			requestEvent({
				path: `/s/${paid.slug}/pay/${token}`,
				params: { slug: paid.slug, token }
			}) as never
		);
		expect(shown!.offer.state).toBe('lapsed');
		const refused = await offerPageAction(paid.slug, token);
		expect(refused.status).toBe(400);
		expect(refused.data).toEqual({ problem: 'This place is no longer kept for you.' });
	});

	it('is kept 30 minutes more when its Checkout opens with less left, so both end together', async () => {
		const { paid, holder, secondEmail } = await fullWithWaitlist();
		await fake.expireCheckout(sessionIdOf(holder.checkoutUrl!));
		await fake.idle();
		const offered = await subscriberByEmail(db, paid.id, secondEmail);
		await db
			.update(subscribers)
			.set({ holdUntil: sql`now() + interval '10 minutes'` })
			.where(eq(subscribers.id, offered.id));
		const answer = await offerPageAction(paid.slug, await offerToken(paid.slug, secondEmail));
		expect(answer.status).toBe(303);
		const paying = await subscriberByEmail(db, paid.id, secondEmail);
		expect(hoursFromNow(paying.holdUntil!) * 60).toBeGreaterThan(30);
		const session = fake.objects(paid.accountId).checkoutSessions.get(paying.checkoutSessionId!)!;
		expect(session.expires_at).toBe(Math.floor(paying.holdUntil!.getTime() / 1000));
	});

	it('opens nothing from a link not signed for an offer', async () => {
		const { paid, secondEmail } = await fullWithWaitlist();
		const second = await subscriberByEmail(db, paid.id, secondEmail);
		// A manage link of the same person is signed, but not for this.
		const manageToken = (await subscriberLinks(db, 'http://x', second.id)).manageUrl
			.split('/')
			.pop()!;
		for (const token of [manageToken, `${second.id}.forged-signature-forged-signature`]) {
			const params = { slug: paid.slug, token };
			const shown = await answerOf(() =>
				payPage.load(requestEvent({ path: `/s/${paid.slug}/pay/${token}`, params }) as never)
			);
			expect(shown.status).toBe(404);
			const pressed = await offerPageAction(paid.slug, token);
			expect(pressed).toEqual({ status: 400, data: { problem: 'This link is not valid.' } });
		}
	});
});

describe('someone paying now', () => {
	it('takes a place on the practitioner’s pages and is told when a date is cancelled', async () => {
		const paid = await paidSeries(db, fake, 2);
		const holder = await signUpPaid(db, paid.slug, 1);
		const page = await paid.api.series.get({ id: paid.id });
		expect(page.counts).toMatchObject({ taken: 1, held: 1 });
		const [listed] = (await paid.api.series.list()).filter((s) => s.id === paid.id);
		expect(listed!.taken).toBe(1);

		const [first] = page.occurrences;
		await paid.api.series.cancelOccurrence({ occurrenceId: first!.id });
		expect(await emailsOf(holder.email, 'occurrence-cancelled')).toHaveLength(1);
	});
});
