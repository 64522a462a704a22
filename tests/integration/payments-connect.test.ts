/**
 * Connecting a practitioner's Stripe account (Settings → Payments) against the fake Stripe, with
 * the app served over HTTP so that its webhook endpoint receives the fake's signed events.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TRPCError } from '@trpc/server';
import { io as openSocket, type Socket } from 'socket.io-client';
import { eq, inArray, sql } from 'drizzle-orm';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PracticeChange } from '../../src/lib/realtime-events';
import { AUTH_COOKIE } from '../../src/lib/server/auth/session';
import type { Database } from '../../src/lib/server/db';
import {
	series,
	stripeAccounts,
	stripeEvents,
	stripeRevokedAccounts,
	subscribers,
	users
} from '../../src/lib/server/db/schema';
import { connectedAccount, merchantOf } from '../../src/lib/server/payments/accounts';
import { attachRealtime } from '../../src/lib/server/realtime/attach';
import { registerRealtimeServer, type RealtimeServer } from '../../src/lib/server/realtime/publish';
import { startFakeStripe, type FakeStripe } from '../fakes/stripe';
import { startApp, type App } from './support/app-server';
import { signedUpPractitioner } from './support/browser';
import { failure } from './support/errors';
import { useTestDatabase } from './support/database';
import { publishedSeries, signUpAndConfirm } from './support/series';
import { waitFor } from './support/wait';

let db: Database;
let fake: FakeStripe;
let app: App;
let realtime: { io: RealtimeServer; url: string };
const sockets: Socket[] = [];

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
	// The app served here has no socket server of its own; it publishes through this one.
	const http = createServer();
	const io = attachRealtime(http);
	await new Promise<void>((done) => http.listen(0, '127.0.0.1', done));
	realtime = { io, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` };
});

afterAll(async () => {
	for (const socket of sockets) socket.close();
	registerRealtimeServer(undefined);
	await realtime?.io.close();
	await app?.stop();
	await fake?.close();
	for (const name of STRIPE_ENV) delete process.env[name];
});

/** A practitioner who connected: their account exists in the fake, not yet onboarded. */
async function connectedPractitioner() {
	const person = await signedUpPractitioner(db);
	const api = await person.browser.api();
	await api.payments.connect();
	const account = (await connectedAccount(db, person.user.id))!;
	return { ...person, api, accountId: account.accountId };
}

/** The fake's accounts made for a practitioner (by the metadata the app gives them). */
function fakeAccountsOf(userId: string) {
	return [...fake.objects().accounts.values()].filter(
		(account) => account.metadata.sessionboard_user_id === userId
	);
}

/** The changes an open page of the signed-in browser hears of, once its socket is connected. */
async function listen(token: string) {
	const socket: Socket = openSocket(realtime.url, {
		path: '/socket.io',
		transports: ['websocket'],
		reconnection: false,
		extraHeaders: { cookie: `${AUTH_COOKIE}=${token}` }
	});
	sockets.push(socket);
	const heard: PracticeChange[] = [];
	socket.on('practice:changed', (change: PracticeChange) => heard.push(change));
	await new Promise<void>((connected) => socket.once('connect', () => connected()));
	return heard;
}

/** Posts a body to the webhook endpoint with the signature header given. */
function postWebhook(payload: string, signature: string) {
	return fetch(`${app.origin}/api/webhooks/stripe`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', 'stripe-signature': signature },
		body: payload
	});
}

/** An `account.updated` event as Stripe sends it, with the account as it is in the fake now. */
function accountUpdated(accountId: string) {
	const id = `evt_test_${Math.random().toString(36).slice(2)}`;
	const payload = JSON.stringify({
		id,
		object: 'event',
		api_version: Stripe.API_VERSION,
		created: Math.floor(Date.now() / 1000),
		type: 'account.updated',
		account: accountId,
		data: { object: fake.objects().accounts.get(accountId) },
		livemode: false,
		pending_webhooks: 1,
		request: { id: null, idempotency_key: null }
	});
	return { id, payload };
}

/** Our row back to before onboarding, while Stripe has the account onboarded. */
async function forgetOnboarding(accountId: string) {
	await db
		.update(stripeAccounts)
		.set({ chargesEnabled: false, detailsSubmitted: false, requirementsDue: ['external_account'] })
		.where(eq(stripeAccounts.accountId, accountId));
}

const retrievesOf = (accountId: string) =>
	fake.requests.filter((r) => r.method === 'GET' && r.path === `/v1/accounts/${accountId}`).length;

describe('connecting', () => {
	it('makes one Standard account for two clicks at once, and sends both to Stripe’s onboarding', async () => {
		const { browser, user, email } = await signedUpPractitioner(db);
		const api = await browser.api();

		const asked = () => fake.requests.filter((r) => r.path === '/v1/accounts').length;
		const before = asked();

		// Both clicks ask Stripe before either can store an account: the table is held meanwhile.
		let clicks: Promise<{ url: string }[]> | undefined;
		await db.transaction(async (tx) => {
			await tx.execute(sql`lock table stripe_accounts in exclusive mode`);
			clicks = Promise.all([api.payments.connect(), api.payments.connect()]);
			await waitFor('both clicks to ask Stripe for an account', () => asked() === before + 2);
		});
		const links = await clicks!;

		for (const { url } of links) expect(url).toMatch(`${fake.url}/_fake/onboarding/`);
		const made = fakeAccountsOf(user.id);
		expect(made).toHaveLength(1);
		expect(made[0]).toMatchObject({ type: 'standard', email });
		const rows = await db.select().from(stripeAccounts).where(eq(stripeAccounts.userId, user.id));
		expect(rows.map((row) => row.accountId)).toEqual([made[0]!.id]);
		expect(rows[0]).toMatchObject({ chargesEnabled: false, detailsSubmitted: false });
		expect(rows[0]!.requirementsDue.length).toBeGreaterThan(0);
		const status = await api.payments.status();
		expect(status.paymentsBlocked).toMatch(/cannot take payments yet/);
	});

	it('continues onboarding of the connected account instead of making another', async () => {
		const { api, user, accountId } = await connectedPractitioner();
		const before = fake.requests.filter((r) => r.path === '/v1/account_links').length;

		const { url } = await api.payments.connect();

		expect(url).toMatch(`${fake.url}/_fake/onboarding/`);
		expect(fakeAccountsOf(user.id).map((account) => account.id)).toEqual([accountId]);
		const links = fake.requests.filter((r) => r.path === '/v1/account_links');
		expect(links).toHaveLength(before + 1);
		expect(links.at(-1)!.body).toMatchObject({
			account: accountId,
			type: 'account_onboarding',
			refresh_url: 'http://sessionboard.test/settings/payments/refresh',
			return_url: 'http://sessionboard.test/settings/payments/return'
		});
	});

	it('finished onboarding reaches the row through account.updated, and the open page hears of it', async () => {
		const { api, user, accountId, browser } = await connectedPractitioner();
		const other = await signedUpPractitioner(db);
		const heard = await listen(browser.token!);
		const heardByOther = await listen(other.browser.token!);

		await fake.completeOnboarding(accountId);

		await waitFor('the account to take payments', async () =>
			Boolean((await connectedAccount(db, user.id))?.chargesEnabled)
		);
		expect(await connectedAccount(db, user.id)).toMatchObject({
			detailsSubmitted: true,
			requirementsDue: [],
			disabledReason: null
		});
		expect((await api.payments.status()).paymentsBlocked).toBeNull();
		await waitFor('the page to hear of it', () => heard.length > 0);
		expect(heard).toEqual([{ entity: 'payments', ids: [] }]);
		expect(heardByOther).toEqual([]);
	});

	it('coming back from Stripe reads the account again, before any webhook', async () => {
		const { browser, user, accountId } = await connectedPractitioner();
		fake.setDeliveryMode('held');
		try {
			await fake.completeOnboarding(accountId);
			const back = await fetch(`${app.origin}/settings/payments/return`, {
				redirect: 'manual',
				headers: { cookie: `sb_auth=${browser.token}` }
			});
			expect(back.status).toBe(303);
			expect(back.headers.get('location')).toBe('/settings/payments?back');
			expect(await connectedAccount(db, user.id)).toMatchObject({ chargesEnabled: true });
		} finally {
			fake.setDeliveryMode('immediate');
			await fake.deliverHeld();
		}
	});

	it('an expired onboarding link sends the practitioner to a new one', async () => {
		const { browser, accountId } = await connectedPractitioner();
		const again = await fetch(`${app.origin}/settings/payments/refresh`, {
			redirect: 'manual',
			headers: { cookie: `sb_auth=${browser.token}` }
		});
		expect(again.status).toBe(303);
		expect(again.headers.get('location')).toMatch(`${fake.url}/_fake/onboarding/`);
		expect(fake.requests.filter((r) => r.path === '/v1/account_links').at(-1)!.body).toMatchObject({
			account: accountId
		});
	});

	it('“Check again” stores what Stripe says now', async () => {
		const { api, user, accountId } = await connectedPractitioner();
		fake.setDeliveryMode('held');
		try {
			await fake.completeOnboarding(accountId);
			const status = await api.payments.refresh();
			expect(status.account).toMatchObject({ chargesEnabled: true, requirementsDue: [] });
			expect(await connectedAccount(db, user.id)).toMatchObject({ chargesEnabled: true });
		} finally {
			fake.setDeliveryMode('immediate');
			await fake.deliverHeld();
		}
	});
});

describe('account.updated', () => {
	it('stores Stripe’s current state even when the event’s copy of the account is stale', async () => {
		const { user, accountId } = await connectedPractitioner();
		const stale = structuredClone(fake.objects().accounts.get(accountId)!);
		await fake.completeOnboarding(accountId);
		await forgetOnboarding(accountId);

		await fake.sendEvent('account.updated', accountId, stale);

		expect(fake.deliveries.at(-1)).toMatchObject({ type: 'account.updated', status: 200 });
		expect(await connectedAccount(db, user.id)).toMatchObject({
			chargesEnabled: true,
			requirementsDue: []
		});
	});

	it('a mis-signed or 6-minute-old signature gets 400, and nothing is stored', async () => {
		const { user, accountId } = await connectedPractitioner();
		await fake.completeOnboarding(accountId);
		await forgetOnboarding(accountId);
		const { id, payload } = accountUpdated(accountId);
		const stripe = new Stripe(fake.secretKey);

		const misSigned = await postWebhook(
			payload,
			stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_someoneelse' })
		);
		const old = await postWebhook(
			payload,
			stripe.webhooks.generateTestHeaderString({
				payload,
				secret: fake.webhookSecret,
				timestamp: Math.floor(Date.now() / 1000) - 6 * 60
			})
		);

		expect([misSigned.status, old.status]).toEqual([400, 400]);
		expect(await connectedAccount(db, user.id)).toMatchObject({ chargesEnabled: false });
		expect(await db.select().from(stripeEvents).where(eq(stripeEvents.id, id))).toEqual([]);
	});

	it('delivered three times, is applied once', async () => {
		const { user, accountId } = await connectedPractitioner();
		fake.setDeliveryMode('held');
		await fake.completeOnboarding(accountId);
		const [event] = fake.held();
		const reads = retrievesOf(accountId);

		const deliveries = await fake.deliverHeld({ times: 3 });
		fake.setDeliveryMode('immediate');

		expect(deliveries.map((d) => d.status)).toEqual([200, 200, 200]);
		expect(retrievesOf(accountId)).toBe(reads + 1);
		expect(await db.select().from(stripeEvents).where(eq(stripeEvents.id, event!.id))).toHaveLength(
			1
		);
		expect(await connectedAccount(db, user.id)).toMatchObject({ chargesEnabled: true });
	});

	it('about an account nobody here connected changes nothing', async () => {
		const stranger = await new Stripe(fake.secretKey, {
			host: new URL(fake.url).hostname,
			port: Number(new URL(fake.url).port),
			protocol: 'http'
		}).accounts.create({ type: 'standard' });
		const reads = retrievesOf(stranger.id);

		await fake.completeOnboarding(stranger.id);

		expect(fake.deliveries.at(-1)).toMatchObject({ type: 'account.updated', status: 200 });
		expect(retrievesOf(stranger.id)).toBe(reads);
		expect(
			await db.select().from(stripeAccounts).where(eq(stripeAccounts.accountId, stranger.id))
		).toEqual([]);
	});
});

/** A connected practitioner with a paid series and a paying subscriber, as rows. */
async function practitionerWithPaidSeries() {
	const connected = await connectedPractitioner();
	const { id, slug } = await publishedSeries(connected.api);
	await signUpAndConfirm(db, slug, 1);
	await db
		.update(series)
		.set({
			priceMinor: 4500,
			currency: 'EUR',
			billingInterval: 'month',
			stripeProductId: 'prod_kept',
			stripePriceId: 'price_kept'
		})
		.where(eq(series.id, id));
	await db
		.update(subscribers)
		.set({
			payment: 'paid',
			stripeCustomerId: `cus_${id.slice(0, 8)}`,
			stripeSubscriptionId: `sub_${id.slice(0, 8)}`
		})
		.where(eq(subscribers.seriesId, id));
	const rows = async () => ({
		series: await db.select().from(series).where(eq(series.id, id)),
		subscribers: await db
			.select()
			.from(subscribers)
			.where(inArray(subscribers.seriesId, [id]))
	});
	return { ...connected, seriesId: id, rows, before: await rows() };
}

describe('letting go of the account', () => {
	it('deauthorized in Stripe: the account is forgotten, and the series lose the Product and Price made on it', async () => {
		const { user, accountId, rows, before } = await practitionerWithPaidSeries();

		await fake.deauthorize(accountId);

		expect(fake.deliveries.at(-1)).toMatchObject({
			type: 'account.application.deauthorized',
			status: 200
		});
		expect(await connectedAccount(db, user.id)).toBeNull();
		expect(await db.select().from(stripeRevokedAccounts)).toContainEqual(
			expect.objectContaining({ accountId })
		);
		// Out of reach on that account: the next publish or price change makes them on the next one.
		expect(await rows()).toEqual({
			...before,
			series: before.series.map((row) => ({ ...row, stripeProductId: null, stripePriceId: null }))
		});
		expect(await merchantOf(db, user.id, { existing: true })).toMatchObject({ merchant: null });
	});

	it('disconnected here: the account stays on record for what runs on it; paid series say why they take no signups', async () => {
		const { api, browser, user, accountId, rows, before } = await practitionerWithPaidSeries();
		await fake.completeOnboarding(accountId);
		await waitFor('the account to take payments', async () =>
			Boolean((await connectedAccount(db, user.id))?.chargesEnabled)
		);

		expect(await api.payments.disconnect()).toEqual({ disconnected: true });

		expect(await connectedAccount(db, user.id)).toMatchObject({
			accountId,
			disconnectedAt: expect.any(Date)
		});
		expect(await rows()).toEqual(before);
		const status = await api.payments.status();
		expect(status).toMatchObject({ configured: true, account: null, disconnected: true });
		expect(status.paymentsBlocked).toMatch(/has disconnected their Stripe account/);
		const html = await fetch(`${app.origin}/settings/payments`, {
			headers: { cookie: `sb_auth=${browser.token}`, accept: 'text/html' }
		}).then((page) => page.text());
		expect(html.replace(/\s+/g, ' ')).toContain(
			'Connecting again continues with the same Stripe account.'
		);
		expect(await api.series.paymentsBlocked()).toMatch(/has disconnected/);
		expect(await merchantOf(db, user.id)).toMatchObject({ merchant: null });
		expect(await merchantOf(db, user.id, { existing: true })).toMatchObject({
			merchant: { stripeAccount: accountId }
		});
		expect(await api.payments.disconnect()).toEqual({ disconnected: false });
	});

	it('connecting again after disconnecting continues with the same account', async () => {
		const { api, user, accountId } = await connectedPractitioner();
		await fake.completeOnboarding(accountId);
		await api.payments.disconnect();
		const made = fake.requests.filter((r) => r.path === '/v1/accounts').length;

		const { url } = await api.payments.connect();

		expect(url).toMatch(`${fake.url}/_fake/onboarding/`);
		expect(fake.requests.filter((r) => r.path === '/v1/accounts')).toHaveLength(made);
		expect(fake.requests.findLast((r) => r.path === '/v1/account_links')!.body).toMatchObject({
			account: accountId
		});
		expect(await connectedAccount(db, user.id)).toMatchObject({ accountId, disconnectedAt: null });
		expect((await api.payments.status()).paymentsBlocked).toBeNull();
	});

	it('an expired onboarding link of a disconnected account does not connect it again', async () => {
		const { api, browser, user } = await connectedPractitioner();
		await api.payments.disconnect();

		const again = await fetch(`${app.origin}/settings/payments/refresh`, {
			redirect: 'manual',
			headers: { cookie: `sb_auth=${browser.token}` }
		});

		expect(again.headers.get('location')).toBe('/settings/payments');
		expect(await connectedAccount(db, user.id)).toMatchObject({ disconnectedAt: expect.any(Date) });
	});

	it('connecting again after Stripe access was removed makes a new account, not the revoked one, even with the event record pruned', async () => {
		const { api, user, accountId } = await connectedPractitioner();
		await fake.deauthorize(accountId);
		await db.delete(stripeEvents).where(eq(stripeEvents.accountId, accountId));

		await api.payments.connect();

		const again = (await connectedAccount(db, user.id))!.accountId;
		expect(again).not.toBe(accountId);
		expect(fakeAccountsOf(user.id).map((account) => account.id)).toEqual([accountId, again]);
	});

	it('connecting again with a changed email address after access was removed makes an account for the new address', async () => {
		const { browser, user, accountId } = await connectedPractitioner();
		await fake.deauthorize(accountId);
		const moved = `moved-${user.id}@example.com`;
		await db.update(users).set({ email: moved }).where(eq(users.id, user.id));

		await (await browser.api()).payments.connect();

		const again = (await connectedAccount(db, user.id))!.accountId;
		expect(again).not.toBe(accountId);
		expect(fake.objects().accounts.get(again)).toMatchObject({ email: moved });
	});

	it('another practitioner’s disconnect, check or connect leaves this account alone', async () => {
		const first = await connectedPractitioner();
		const second = await signedUpPractitioner(db);
		const api = await second.browser.api();

		expect(await api.payments.disconnect()).toEqual({ disconnected: false });
		await expect(api.payments.refresh()).rejects.toThrow(TRPCError);
		expect((await api.payments.status()).account).toBeNull();
		await api.payments.connect();

		expect(await connectedAccount(db, first.user.id)).toMatchObject({
			accountId: first.accountId,
			disconnectedAt: null
		});
		expect((await connectedAccount(db, second.user.id))!.accountId).not.toBe(first.accountId);
	});
});

describe('Stripe failing while connecting', () => {
	it('Connect says Stripe refused, with a reference and none of Stripe’s words', async () => {
		const { api, user } = await connectedPractitioner();
		fake.failNext('POST', '/v1/account_links', {
			status: 400,
			error: { type: 'invalid_request_error', message: 'Secret internal detail from Stripe' }
		});

		const refused = await failure(api.payments.connect());

		expect(refused.code).toBe('BAD_GATEWAY');
		expect(refused.message).toMatch(
			/^Stripe refused to open Stripe’s onboarding, so .*\(ref \w+\)\.$/
		);
		expect(refused.message).not.toContain('Secret internal detail');
		expect(await connectedAccount(db, user.id)).toMatchObject({ disconnectedAt: null });
	});

	it('coming back or an expired link while Stripe fails goes back to Settings, which says so', async () => {
		const { browser, accountId } = await connectedPractitioner();
		const cookie = `sb_auth=${browser.token}`;
		const failing = { status: 400, error: { type: 'invalid_request_error', message: 'Nope' } };
		fake.failNext('GET', `/v1/accounts/${accountId}`, failing);
		const back = await fetch(`${app.origin}/settings/payments/return`, {
			redirect: 'manual',
			headers: { cookie }
		});
		fake.failNext('POST', '/v1/account_links', failing);
		const again = await fetch(`${app.origin}/settings/payments/refresh`, {
			redirect: 'manual',
			headers: { cookie }
		});

		for (const answer of [back, again]) {
			expect(answer.status).toBe(303);
			expect(answer.headers.get('location')).toBe('/settings/payments?failed');
		}
		const page = await fetch(`${app.origin}/settings/payments?failed`, {
			headers: { cookie, accept: 'text/html' }
		});
		expect(await page.text()).toContain(
			'Stripe could not be asked just now, so nothing changed here.'
		);
	});
});

describe('Settings → Payments', () => {
	async function page(cookie: string) {
		const response = await fetch(`${app.origin}/settings/payments`, {
			headers: { cookie, accept: 'text/html' }
		});
		expect(response.status).toBe(200);
		return (await response.text()).replace(/<!--[^]*?-->/g, '');
	}

	it('without Stripe keys says payments are not set up and what to set', async () => {
		const { browser } = await signedUpPractitioner(db);
		for (const name of STRIPE_ENV) delete process.env[name];
		try {
			const html = await page(`sb_auth=${browser.token}`);
			expect(html).toContain('Payments are not set up on this server.');
			expect(html).toContain('STRIPE_SECRET_KEY');
			expect(html).toContain('STRIPE_WEBHOOK_SECRET');
			expect(html).toContain('Paid series (Stripe)');
			expect(html).toContain('a paid series cannot be published');
			expect(html).not.toContain('Connect with Stripe');
		} finally {
			configureStripe();
		}
	});

	it('offers to connect, then says what Stripe needs, then that payments work', async () => {
		const person = await signedUpPractitioner(db);
		const cookie = `sb_auth=${person.browser.token}`;
		expect(await page(cookie)).toContain('Connect with Stripe');

		const api = await person.browser.api();
		await api.payments.connect();
		const needs = await page(cookie);
		expect(needs).toContain('Stripe needs, before you can take payments:');
		expect(needs).toContain('A bank account for payouts');
		expect(needs).toContain('Continue onboarding');

		const { accountId } = (await connectedAccount(db, person.user.id))!;
		await fake.completeOnboarding(accountId);
		const ready = await page(cookie);
		expect(ready).toContain('Ready to take payments');
		expect(ready).not.toContain('Continue onboarding');
		expect(ready).toContain('Disconnect');
	});
});
