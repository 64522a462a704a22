import { and, desc, eq, like } from 'drizzle-orm';
import { afterAll } from 'vitest';
import type { Database } from '../../../src/lib/server/db';
import {
	emailDeliveries,
	series,
	stripeAccounts,
	subscribers
} from '../../../src/lib/server/db/schema';
import { stripeApi } from '../../../src/lib/server/payments/stripe';
import { startFakeStripe, type FakeStripe, type FakeStripeOptions } from '../../fakes/stripe';
import { startApp, type App } from './app-server';
import { signedUpPractitioner, TestBrowser } from './browser';
import { publishedSeries } from './series';

/**
 * The fake Stripe, the app configured for it (as an operator would, through the environment)
 * and served over HTTP, and the fake's webhooks pointed at the app's endpoint.
 */
export async function usePayments(
	options: FakeStripeOptions = {}
): Promise<{ fake: FakeStripe; app: App }> {
	const fake = await startFakeStripe(options);
	process.env.STRIPE_SECRET_KEY = fake.secretKey;
	process.env.STRIPE_WEBHOOK_SECRET = fake.webhookSecret;
	process.env.STRIPE_API_URL = fake.url;
	const app = await startApp();
	fake.setWebhookTarget(`${app.origin}/api/webhooks/stripe`);
	afterAll(async () => {
		await app.stop();
		await fake.close();
		delete process.env.STRIPE_SECRET_KEY;
		delete process.env.STRIPE_WEBHOOK_SECRET;
		delete process.env.STRIPE_API_URL;
	});
	return { fake, app };
}

/**
 * A practitioner with a connected account that finished onboarding, and a published series of
 * theirs at €12.00 a month: published as the series form does, which makes its Product and Price
 * on their account.
 */
export async function paidSeries(db: Database, fake: FakeStripe, capacity: number) {
	const practitioner = await signedUpPractitioner(db);
	const api = await practitioner.browser.api();
	const account = await stripeApi()!.accounts.create({
		type: 'standard',
		country: 'DE',
		email: practitioner.email
	});
	await fake.completeOnboarding(account.id);
	await db.insert(stripeAccounts).values({
		userId: practitioner.user.id,
		accountId: account.id,
		chargesEnabled: true,
		detailsSubmitted: true
	});
	const created = await publishedSeries(api, {
		capacity,
		pricing: 'paid',
		price: '12',
		currency: 'EUR',
		billingInterval: 'month'
	});
	const [row] = await db.select().from(series).where(eq(series.id, created.id));
	return {
		...created,
		api,
		browser: practitioner.browser,
		accountId: account.id,
		ownerId: practitioner.user.id,
		priceId: row!.stripePriceId!
	};
}

/**
 * Visitor `n` signs up on the public page's form, opens the link in the confirmation email and
 * confirms: on a paid series with a free place, the answer is the Checkout to pay in. The link is
 * read from the queued email unless `mailedToken` finds it where the email went.
 */
export async function signUpPaid(
	db: Database,
	slug: string,
	n: number,
	mailedToken: (slug: string, email: string) => Promise<string> = (...to) =>
		confirmTokenOf(db, ...to)
) {
	const email = `payer${n}-${slug}@example.com`;
	const visitor = await new TestBrowser(db).api();
	await visitor.subscribers.signUp({
		slug,
		fields: { name: `Payer ${n}`, email, phone: '', consent: true, website: '' }
	});
	const token = await mailedToken(slug, email);
	const { checkoutUrl } = await visitor.subscribers.confirm({ token });
	return { email, checkoutUrl, token };
}

/**
 * The token of the link in the newest confirmation email to `email`, while it is queued: a sent
 * email's body is not kept.
 */
export async function confirmTokenOf(db: Database, slug: string, email: string) {
	const [mail] = await db
		.select({ text: emailDeliveries.text })
		.from(emailDeliveries)
		.where(and(eq(emailDeliveries.recipient, email), like(emailDeliveries.key, 'series-confirm:%')))
		.orderBy(desc(emailDeliveries.createdAt))
		.limit(1);
	return mail!.text.match(new RegExp(`/s/${slug}/confirm/(\\S+)`))![1]!;
}

export async function subscriberByEmail(db: Database, seriesId: string, email: string) {
	const [row] = await db
		.select()
		.from(subscribers)
		.where(and(eq(subscribers.seriesId, seriesId), eq(subscribers.email, email)));
	return row!;
}

/** The Checkout Session a fake Checkout URL opens. */
export const sessionIdOf = (checkoutUrl: string) =>
	checkoutUrl.slice(checkoutUrl.lastIndexOf('/') + 1);
