/**
 * Two app instances on one database, as behind a load balancer, and a separate job worker, as
 * `npm run start:cluster` runs them: each instance has a browser page open, and what a request to
 * one instance (or a job in the worker) changes shows on the pages of the other at once.
 */
import { chromium, expect as playwrightExpect, type Browser, type Page } from '@playwright/test';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Database } from '../../src/lib/server/db';
import { subscribers } from '../../src/lib/server/db/schema';
import { createBoss } from '../../src/lib/server/jobs/worker';
import { QUEUES } from '../../src/lib/server/jobs/queues';
import { AppShell } from '../e2e/pages/app-shell';
import { ConfirmPlacePage, PublicSeriesPage } from '../e2e/pages/public-series';
import { SettingsPage } from '../e2e/pages/settings';
import { SignInPage } from '../e2e/pages/sign-in';
import { chromiumLaunchOptions } from '../e2e/support/chromium';
import { startFakeSmtp, type FakeSmtp } from '../fakes/smtp';
import { startFakeStripe, type FakeStripe } from '../fakes/stripe';
import { signedUpPractitioner } from '../integration/support/browser';
import { useTestDatabase } from '../integration/support/database';
import { paidSeries, signUpPaid, subscriberByEmail } from '../integration/support/payments';
import { publishedSeries } from '../integration/support/series';
import {
	startInstance,
	startWorkerProcess,
	stopInstances,
	type Instance
} from './support/instance';

/**
 * Outside Playwright's runner its assertions wait 5 s; the e2e config's 10 s, and more, as two
 * instances, a worker and a browser share two cores here.
 */
const expect = playwrightExpect.configure({ timeout: 15_000 });

let db: Database;
let stripe: FakeStripe;
let smtp: FakeSmtp;
let browser: Browser;
/** Web only, as in a cluster: the one worker process runs every job. */
let first: Instance;
let second: Instance;

beforeAll(async () => {
	let url: string;
	({ db, url } = await useTestDatabase());
	// Paid series need Stripe: the fake, configured here (for the helpers that make a paid
	// series) and in every process, as an operator configures each one.
	stripe = await startFakeStripe();
	const stripeEnv = {
		STRIPE_SECRET_KEY: stripe.secretKey,
		STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
		STRIPE_API_URL: stripe.url
	};
	Object.assign(process.env, stripeEnv);
	// The worker sends the emails at once, and keeps no body of a sent one: links are read from
	// the mail server.
	smtp = await startFakeSmtp();
	const mailEnv = { ...stripeEnv, SMTP_URL: smtp.url };
	const env = { ...mailEnv, WORKER_IN_APP: 'false' };
	[first, second] = await Promise.all([
		startInstance({ databaseUrl: url, env }),
		startInstance({ databaseUrl: url, env })
	]);
	await startWorkerProcess({ databaseUrl: url, env: { ...mailEnv, ORIGIN: first.origin } });
	browser = await chromium.launch(chromiumLaunchOptions());
});

afterAll(async () => {
	await browser?.close();
	await stopInstances();
	await stripe?.close();
	await smtp?.stop();
	for (const name of ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'STRIPE_API_URL']) {
		delete process.env[name];
	}
});

/** Closed with the browser. */
const newContext = () => browser.newContext({ timezoneId: 'UTC' });

/**
 * A practitioner signed in on the first instance, with a page on each instance in one browser:
 * the sign-in cookie belongs to the host, whatever the port, so the second instance's page is
 * signed in by the same cookie. Both pages are live, and the second carries a mark that a reload
 * would lose.
 */
async function signedInOnBoth(name: string) {
	const person = await signedUpPractitioner(db, name);
	const context = await newContext();
	const onFirst = await context.newPage();
	await onFirst.goto(`${first.origin}/sign-in`);
	await new SignInPage(onFirst).signIn(person.email, person.password);
	await expect(onFirst).toHaveURL(`${first.origin}/dashboard`);
	const onSecond = await context.newPage();
	await onSecond.goto(`${second.origin}/dashboard`);
	await expect(onSecond).toHaveURL(`${second.origin}/dashboard`);
	for (const page of [onFirst, onSecond]) {
		await new AppShell(page).expectSignedInAs(name);
		await new AppShell(page).expectLive();
		await markDocument(page);
	}
	return { person, onFirst, onSecond };
}

const markDocument = (page: Page) =>
	page.evaluate(() => (document.documentElement.dataset.e2eMark = 'same document'));
const expectSameDocument = async (page: Page) =>
	expect(await page.evaluate(() => document.documentElement.dataset.e2eMark)).toBe('same document');

/** The second page goes to Settings (a new document, marked again) and saves a new name. */
async function renameOn(page: Page, origin: string, name: string) {
	const settings = new SettingsPage(page);
	await page.goto(`${origin}/settings`);
	await new AppShell(page).expectLive();
	await markDocument(page);
	await settings.changeName(name);
}

/** A public page open on `instance`, listening for its series' places left. */
async function publicPageOn(instance: Instance, slug: string) {
	const page = await (await newContext()).newPage();
	const publicPage = new PublicSeriesPage(page);
	await publicPage.goto(`${instance.origin}/s/${slug}`);
	await publicPage.expectListening();
	return publicPage;
}

/** The token of the confirmation link the mail server received for `email`. */
async function mailedConfirmToken(slug: string, email: string): Promise<string> {
	const link = new RegExp(`/s/${slug}/confirm/(\\S+)`);
	const token = () => smtp.messages.find((m) => m.to.includes(email))?.text.match(link)?.[1];
	await expect.poll(token).toBeTruthy();
	return token()!;
}

/** A visitor signs up through `instance`'s public page and confirms from the emailed link there. */
async function signUpThrough(instance: Instance, slug: string, visitor: number) {
	const page = await (await newContext()).newPage();
	const email = `visitor${visitor}-${slug}@example.com`;
	const publicPage = new PublicSeriesPage(page);
	await publicPage.goto(`${instance.origin}/s/${slug}`);
	await publicPage.fillIn({ name: `Visitor ${visitor}`, email });
	await publicPage.signUpButton.click();
	await expect(page.getByRole('status')).toContainText(`we sent a link to ${email}`);
	await page.goto(`${instance.origin}/s/${slug}/confirm/${await mailedConfirmToken(slug, email)}`);
	const confirmPage = new ConfirmPlacePage(page);
	await confirmPage.button.click();
	await expect(confirmPage.result).toContainText('Your place is confirmed.');
	await page.close();
}

describe('a change made through one instance', () => {
	it("shows live on the other instance's page, both ways", async () => {
		const { onFirst, onSecond } = await signedInOnBoth('Robin Cluster');

		await renameOn(onFirst, first.origin, 'Robin on the first');
		await expect(new AppShell(onSecond).userName).toHaveText('Robin on the first');
		await expectSameDocument(onSecond);

		await renameOn(onSecond, second.origin, 'Robin on the second');
		await expect(new AppShell(onFirst).userName).toHaveText('Robin on the second');
		await expectSameDocument(onFirst);
	});

	it("moves the places left on the other instance's public page, both ways", async () => {
		const { browser: practitioner } = await signedUpPractitioner(db, 'Series Owner');
		const { slug } = await publishedSeries(await practitioner.api(), { capacity: 5 });
		const onFirst = await publicPageOn(first, slug);
		const onSecond = await publicPageOn(second, slug);
		await expect(onSecond.spotsLeft).toHaveText('5 of 5 places left.');

		await signUpThrough(first, slug, 1);
		await expect(onSecond.spotsLeft).toHaveText('4 of 5 places left.');
		await expect(onFirst.spotsLeft).toHaveText('4 of 5 places left.');

		await signUpThrough(second, slug, 2);
		await expect(onFirst.spotsLeft).toHaveText('3 of 5 places left.');
		await expect(onSecond.spotsLeft).toHaveText('3 of 5 places left.');
	});
});

describe('signing out on one instance', () => {
	it("sends the other instance's page to the sign-in page at once", async () => {
		const { onFirst, onSecond } = await signedInOnBoth('Robin Leaving');

		await new AppShell(onFirst).signOut();
		// Nothing here touches the second page: only its instance closing the socket can move it.
		await expect(onSecond).toHaveURL(`${second.origin}/sign-in?reason=signed-out`);
		await expect(new SignInPage(onSecond).signedOutNotice).toBeVisible();
	});
});

describe('a job in the separate worker', () => {
	it('reaches the pages of the app instances: a lapsed hold released frees its place live', async () => {
		const paid = await paidSeries(db, stripe, 1);
		const holder = await signUpPaid(db, paid.slug, 1, mailedConfirmToken);
		const onSecond = await publicPageOn(second, paid.slug);
		await expect(onSecond.spotsLeft).toHaveText(
			'All places are taken — sign up to join the waitlist.'
		);

		// The holder never paid, and their time is up: the minute's clock releases the place. The
		// test runs the clock's job now rather than wait for the minute.
		const held = await subscriberByEmail(db, paid.id, holder.email);
		await db
			.update(subscribers)
			.set({ holdUntil: sql`now() - interval '1 second'` })
			.where(eq(subscribers.id, held.id));
		const boss = createBoss(process.env.DATABASE_URL!, { supervise: false, schedule: false });
		await boss.start();
		await boss.send(QUEUES.subscriberHolds, {});
		await boss.stop({ graceful: false, wait: true });

		await expect(onSecond.spotsLeft).toHaveText('1 of 1 places left.');
		expect((await subscriberByEmail(db, paid.id, holder.email)).status).toBe('left');
	});
});
