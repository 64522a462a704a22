/**
 * What the webhooks change shows at once: the practitioner's open pages hear that a series'
 * subscribers changed (a payment failed, a place was paid for), and the public page's count of
 * places follows. The events are delivered to the webhook dispatcher in this process, where the
 * sockets are served.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as connect, type Socket } from 'socket.io-client';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH_COOKIE } from '../../src/lib/server/auth/session';
import type { Database } from '../../src/lib/server/db';
import { receiveStripeWebhook } from '../../src/lib/server/payments/webhooks';
import { attachRealtime } from '../../src/lib/server/realtime/attach';
import { registerRealtimeServer, type RealtimeServer } from '../../src/lib/server/realtime/publish';
import { startFakeStripe, type FakeStripe } from '../fakes/stripe';
import { useTestDatabase } from './support/database';
import { paidSeries, sessionIdOf, signUpPaid, subscriberByEmail } from './support/payments';
import { waitFor } from './support/wait';

let db: Database;
let fake: FakeStripe;
let http: Server;
let io: RealtimeServer;
let url: string;
const sockets: Socket[] = [];

beforeAll(async () => {
	({ db } = await useTestDatabase());
	// Events are kept by the fake and handed to the dispatcher here.
	fake = await startFakeStripe({ deliveryMode: 'held' });
	process.env.STRIPE_SECRET_KEY = fake.secretKey;
	process.env.STRIPE_WEBHOOK_SECRET = fake.webhookSecret;
	process.env.STRIPE_API_URL = fake.url;
	http = createServer();
	io = attachRealtime(http);
	await new Promise<void>((done) => http.listen(0, '127.0.0.1', done));
	url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});

afterAll(async () => {
	for (const socket of sockets) socket.close();
	registerRealtimeServer(undefined);
	await io.close();
	await fake.close();
	delete process.env.STRIPE_SECRET_KEY;
	delete process.env.STRIPE_WEBHOOK_SECRET;
	delete process.env.STRIPE_API_URL;
});

function open(path: string, token?: string): Promise<Socket> {
	const socket = connect(`${url}${path}`, {
		path: '/socket.io',
		transports: ['websocket'],
		reconnection: false,
		extraHeaders: token ? { cookie: `${AUTH_COOKIE}=${token}` } : {}
	});
	sockets.push(socket);
	return new Promise((done, fail) => {
		socket.once('connect', () => done(socket));
		socket.once('connect_error', fail);
	});
}

const handed = new Set<string>();

/** Hands the events the fake kept since last time to the dispatcher, signed as Stripe signs them. */
async function deliverKept() {
	const kept = fake.held().filter((event) => !handed.has(event.id));
	for (const event of kept) {
		handed.add(event.id);
		const payload = JSON.stringify(event);
		const signature = Stripe.webhooks.generateTestHeaderString({
			payload,
			secret: fake.webhookSecret
		});
		expect((await receiveStripeWebhook(db, payload, signature)).status).toBe(200);
	}
	return kept.length;
}

describe('the subscription webhooks, live', () => {
	it('tell the practitioner’s pages and the public page when a place is paid for and when a payment fails', async () => {
		const paid = await paidSeries(db, fake, 3);
		await deliverKept();
		const owner = await open('/', paid.browser.token!);
		const changes: unknown[] = [];
		owner.on('practice:changed', (change: unknown) => changes.push(change));
		const visitor = await open('/public');
		const spots: number[] = [];
		visitor.on('series:spots', (update: { seriesId: string; spotsLeft: number }) => {
			if (update.seriesId === paid.id) spots.push(update.spotsLeft);
		});
		visitor.emit('series:watch', paid.id);

		const payer = await signUpPaid(db, paid.slug, 1);
		// The signup itself is announced (a place kept): heard, then set aside.
		await waitFor('the signup to be announced', () => changes.length > 0 && spots.includes(2));
		changes.length = 0;
		spots.length = 0;

		await fake.completeCheckout(sessionIdOf(payer.checkoutUrl!));
		expect(await deliverKept()).toBeGreaterThan(0);
		const mine = { entity: 'subscriber', ids: [paid.id] };
		await waitFor('the owner to hear of the payment', () => changes.length > 0);
		expect(changes).toContainEqual(mine);
		await waitFor('the public count', () => spots.length > 0);
		expect(spots).toContain(2);

		changes.length = 0;
		const row = await subscriberByEmail(db, paid.id, payer.email!);
		await fake.failPayment(row.stripeSubscriptionId!);
		await deliverKept();
		await waitFor('the owner to hear of the failed payment', () => changes.length > 0);
		expect(changes).toContainEqual(mine);
		expect((await subscriberByEmail(db, paid.id, payer.email!)).payment).toBe('past_due');
	});
});
