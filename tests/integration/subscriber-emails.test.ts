/**
 * Every kind of email a subscriber can get, each made for real by what sends it (signing up,
 * confirming, leaving, a date changed, a reminder due, Stripe's webhooks), and each with a working
 * way out: the unsubscribe link in its text and HTML, and the RFC 8058 headers a mail client's
 * one-click button uses. The kinds come from the code's own list (subscriberEmailPurposes), so a
 * kind added there without being made here fails this test.
 */
import { eq, inArray } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db';
import { emailDeliveries, seriesOccurrences, subscribers } from '../../src/lib/server/db/schema';
import { subscriberEmailPurposes } from '../../src/lib/server/email/purposes';
import { stripeApi } from '../../src/lib/server/payments/stripe';
import { queueDueReminders } from '../../src/lib/server/series/reminders';
import * as unsubscribePage from '../../src/routes/u/[token]/+page.server';
import type { FakeStripe } from '../fakes/stripe';
import { signedUpPractitioner, TestBrowser } from './support/browser';
import { useTestDatabase } from './support/database';
import {
	paidSeries,
	sessionIdOf,
	signUpPaid,
	subscriberByEmail,
	usePayments
} from './support/payments';
import { answerOf, requestEvent } from './support/routes';
import {
	firstDates,
	publishedSeries,
	signUp,
	signUpAndConfirm,
	visitorEmail
} from './support/series';
import { waitFor } from './support/wait';

let db: Database;
let fake: FakeStripe;

beforeAll(async () => {
	({ db } = await useTestDatabase());
	({ fake } = await usePayments());
});

/** Free series: confirm, already, admitted, waitlisted, promoted, the three date changes, a reminder. */
async function freeSeriesEmails() {
	const { browser } = await signedUpPractitioner(db);
	const api = await browser.api();
	const { id, slug } = await publishedSeries(api, { capacity: 1 });
	await signUpAndConfirm(db, slug, 1);
	await signUpAndConfirm(db, slug, 2);
	// Signing up again while in: "where you stand".
	await signUp(db, slug, 1);
	const [first, second] = await firstDates(db, id, 2);
	await api.series.cancelOccurrence({ occurrenceId: first!.id });
	await api.series.restoreOccurrence({ occurrenceId: first!.id });
	await api.series.moveOccurrence({
		occurrenceId: second!.id,
		date: '2099-06-01',
		startTime: '19:30'
	});
	// The next date is in half an hour: its reminders are due.
	const soon = new Date(Date.now() + 30 * 60_000);
	await db
		.update(seriesOccurrences)
		.set({ startsAt: soon, endsAt: new Date(soon.getTime() + 3_600_000) })
		.where(eq(seriesOccurrences.id, first!.id));
	await queueDueReminders(db);
	// The one in leaves: the first waiting is promoted.
	const [leaving] = await db
		.select()
		.from(emailDeliveries)
		.where(eq(emailDeliveries.recipient, visitorEmail(slug, 1)))
		.limit(1);
	const leaveToken = leaving!.text.match(/\/m\/(\S+)/)![1]!;
	await (await new TestBrowser(db).api()).subscribers.leave({ token: leaveToken });
}

/**
 * Paid series: the offer to the first waiting and the lapse of the place kept for a payer who let
 * Checkout expire, a billing notice, the end of a subscription, a payment for a place already
 * given away, and a second payment for a place already paid.
 */
async function paidSeriesEmails() {
	const paid = await paidSeries(db, fake, 1);
	const lapsing = await signUpPaid(db, paid.slug, 1);
	await signUpAndConfirm(db, paid.slug, 2);
	await fake.expireCheckout(sessionIdOf(lapsing.checkoutUrl!));
	await fake.idle();

	const other = await paidSeries(db, fake, 1);
	const payer = await signUpPaid(db, other.slug, 1);
	await fake.completeCheckout(sessionIdOf(payer.checkoutUrl!));
	await fake.idle();
	await waitFor('the payer to be in', async () => {
		return (await subscriberByEmail(db, other.id, payer.email)).status === 'active';
	});
	const row = await subscriberByEmail(db, other.id, payer.email);
	const stripe = stripeApi()!;
	const on = { stripeAccount: other.accountId };
	const payFor = async (subscriberId: string, email?: string) => {
		const metadata = { subscriber_id: subscriberId, series_id: other.id };
		const session = await stripe.checkout.sessions.create(
			{
				mode: 'subscription',
				line_items: [{ price: other.priceId, quantity: 1 }],
				...(email ? { customer_email: email } : {}),
				metadata,
				subscription_data: { metadata },
				success_url: 'https://example.com/done'
			},
			on
		);
		await fake.completeCheckout(session.id);
		await fake.idle();
	};
	// Charged twice: a second Checkout paid for the same place.
	await payFor(row.id);
	// A place gone: someone waiting pays through a Checkout of their own, on a full series.
	await signUpAndConfirm(db, other.slug, 2);
	const waiting = await subscriberByEmail(db, other.id, visitorEmail(other.slug, 2));
	await payFor(waiting.id, waiting.email);
	await waitFor('the place-gone email', async () => {
		const told = await db
			.select()
			.from(emailDeliveries)
			.where(eq(emailDeliveries.purpose, 'place-gone'));
		return told.length > 0;
	});
	await fake.failPayment(row.stripeSubscriptionId!);
	await stripe.subscriptions.update(row.stripeSubscriptionId!, { cancel_at_period_end: true }, on);
	await fake.endPeriod(row.stripeSubscriptionId!);
	await fake.idle();
}

/** The mail client's one-click button: RFC 8058's POST to the List-Unsubscribe address. */
function oneClick(address: string) {
	const token = new URL(address).pathname.replace(/^\/u\//, '');
	return answerOf(() =>
		unsubscribePage.actions.default!(
			requestEvent({
				path: `/u/${token}`,
				params: { token },
				form: { 'List-Unsubscribe': 'One-Click' }
			}) as never
		)
	);
}

describe('subscriber emails', () => {
	it('every kind of subscriber email has a working unsubscribe link in both parts and the RFC 8058 headers', async () => {
		await freeSeriesEmails();
		await paidSeriesEmails();
		const kinds = Object.keys(subscriberEmailPurposes);
		const mails = await db
			.select()
			.from(emailDeliveries)
			.where(inArray(emailDeliveries.purpose, kinds));
		expect(kinds.filter((kind) => !mails.some((mail) => mail.purpose === kind))).toEqual([]);

		for (const kind of kinds) {
			const mail = mails.find((m) => m.purpose === kind)!;
			const header = mail.headers['List-Unsubscribe'] ?? '';
			// The app's own address (ORIGIN; a webhook's emails take the configured one, a page's the
			// request's), https in production.
			expect(header, kind).toMatch(/^<https?:\/\/[^/>\s]+\/u\/[^>\s]+>$/);
			expect(mail.headers['List-Unsubscribe-Post'], kind).toBe('List-Unsubscribe=One-Click');
			const address = header.slice(1, -1);
			expect(mail.text, kind).toContain(address);
			expect(mail.html, kind).toContain(`href="${address}"`);

			const answer = await oneClick(address);
			expect(answer, kind).toMatchObject({ status: 200, data: { unsubscribed: true } });
			// The token names the subscriber: `<id>.<signature>`.
			const subscriberId = address.split('/u/')[1]!.split('.')[0]!;
			const [row] = await db
				.select({ email: subscribers.email, unsubscribedAt: subscribers.unsubscribedAt })
				.from(subscribers)
				.where(eq(subscribers.id, subscriberId));
			expect(row, kind).toMatchObject({ email: mail.recipient, unsubscribedAt: expect.any(Date) });
		}
	});
});
