/**
 * Ending a Zoom connection: the practitioner disconnects (Settings → Integrations), Zoom says the
 * app was removed (`app_deauthorized`, a signed webhook), or the account is deleted. Each time
 * the tokens and the Zoom user id are gone from every table at once.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db';
import { securityEvents, users, zoomConnections } from '../../src/lib/server/db/schema';
import * as integrationsPage from '../../src/routes/(app)/settings/integrations/+page.server';
import * as webhookRoute from '../../src/routes/api/webhooks/zoom/+server';
import type { FakeZoom } from '../fakes/zoom';
import { revokeAndForget, withZoomToken } from '../../src/lib/server/integrations/zoom/connection';
import { STRONG_PASSWORD } from './support/browser';
import { useTestDatabase } from './support/database';
import { answerOf, requestEvent } from './support/routes';
import { waitFor } from './support/wait';
import { useZoom, ZOOM_WEBHOOK_PATH } from './support/zoom';
import {
	everyTableAsText,
	expectNowhere,
	storedTokens,
	zoomPractitioner
} from './support/zoom-connection';

let db: Database;
let fake: FakeZoom;
let server: Server;
let webhookUrl: string;

/**
 * The app's webhook endpoint on a local port: requests reach the route's handler as SvelteKit
 * hands them over, raw body and headers as sent.
 */
async function serveWebhookRoute() {
	server = createServer(async (req, res) => {
		const chunks: Buffer[] = [];
		for await (const chunk of req) chunks.push(chunk as Buffer);
		const request = new Request(`http://sessionboard.test${req.url}`, {
			method: req.method,
			headers: req.headers as Record<string, string>,
			body: Buffer.concat(chunks)
		});
		const response = await webhookRoute.POST({
			request,
			getClientAddress: () => '127.0.0.1'
		} as never);
		res.writeHead(response.status, { 'content-type': 'application/json' });
		res.end(await response.text());
	});
	await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
	return `http://127.0.0.1:${(server.address() as AddressInfo).port}${ZOOM_WEBHOOK_PATH}`;
}

beforeAll(async () => {
	({ db } = await useTestDatabase());
	({ fake } = await useZoom());
	webhookUrl = await serveWebhookRoute();
	fake.setWebhookTarget(webhookUrl);
});

afterAll(async () => {
	server?.closeAllConnections();
	await new Promise((closed) => server?.close(closed));
});

type Person = Awaited<ReturnType<typeof zoomPractitioner>>;

/** Nothing of the connection is left anywhere: neither token, nor the Zoom user id. */
async function expectForgotten(person: Person) {
	const dump = await everyTableAsText(db);
	expectNowhere(dump, person.tokens!.accessToken, 'the access token');
	expectNowhere(dump, person.tokens!.refreshToken, 'the refresh token');
	expect(dump).not.toContain(person.zoomUser.id);
	// The sealed values are gone too, not only unreadable.
	expect(dump).not.toContain(person.tokens!.row.accessToken.slice(-40));
}

/** Presses Disconnect… and then confirms, as the page's two steps do. */
async function disconnectOnPage(person: Person, confirmed: boolean) {
	const form: Record<string, string> = confirmed ? { confirmed: 'yes' } : {};
	return answerOf(() =>
		integrationsPage.actions.disconnect(
			requestEvent({
				path: '/settings/integrations?/disconnect',
				form,
				signedIn: person.signedIn
			}) as never
		)
	);
}

const loggedKinds = async (userId: string) =>
	(
		await db
			.select({ kind: securityEvents.kind })
			.from(securityEvents)
			.where(eq(securityEvents.userId, userId))
	).map((row) => row.kind);

describe('disconnecting on the settings page', () => {
	it('asks first, then revokes the grant at Zoom and leaves no token and no Zoom user id in any table', async () => {
		const person = await zoomPractitioner(db, fake, { zoomUserId: fake.addUser().id });
		expect((await disconnectOnPage(person, false)).data).toEqual({
			confirm: { action: 'disconnect' }
		});
		expect(await storedTokens(db, person.user.id)).not.toBeNull();

		const answer = await disconnectOnPage(person, true);
		expect(answer.data).toEqual({ disconnected: true, revoked: true });
		expect(fake.tokenState(person.tokens!.refreshToken)).toBe('revoked');
		expect(fake.tokenState(person.tokens!.accessToken)).toBe('revoked');
		expect(await storedTokens(db, person.user.id)).toBeNull();
		await expectForgotten(person);
		expect(await loggedKinds(person.user.id)).toContain('zoom_disconnected');
	});

	it('during a refresh, waits for it and revokes the refresh token it stored, not the one it rotated out', async () => {
		const person = await zoomPractitioner(db, fake, { zoomUserId: fake.addUser().id });
		// Due for a refresh by our record, so the next use refreshes first.
		await db
			.update(zoomConnections)
			.set({ accessExpiresAt: new Date(Date.now() - 1_000) })
			.where(eq(zoomConnections.userId, person.user.id));
		fake.setRefreshDelay(1_000);
		try {
			const using = withZoomToken(db, person.user.id, async (token) => token);
			await waitFor('the refresh to be on its way', () =>
				fake.refreshes(person.zoomUser.id).some((r) => r.endedAt === null)
			);
			const disconnected = await revokeAndForget(db, person.user.id);
			const newest = await using;
			expect(newest).not.toBe(person.tokens!.accessToken);
			expect(disconnected).toEqual({ disconnected: true, revoked: true });
			expect(fake.tokenState(newest)).toBe('revoked');
			expect(await storedTokens(db, person.user.id)).toBeNull();
		} finally {
			fake.setRefreshDelay(25);
		}
	});

	it('forgets the connection even when Zoom cannot be reached to revoke it', async () => {
		const person = await zoomPractitioner(db, fake, { zoomUserId: fake.addUser().id });
		fake.failNext('POST', '/oauth/revoke', { status: 503 });
		const answer = await disconnectOnPage(person, true);
		expect(answer.data).toEqual({ disconnected: true, revoked: false });
		expect(await storedTokens(db, person.user.id)).toBeNull();
		await expectForgotten(person);
	});
});

describe('Zoom’s webhooks', () => {
	it('app_deauthorized forgets every connection of that Zoom user, once or twice, and no other', async () => {
		const zoomUser = fake.addUser();
		const person = await zoomPractitioner(db, fake, { zoomUserId: zoomUser.id });
		const bystander = await zoomPractitioner(db, fake, { zoomUserId: fake.addUser().id });
		const delivery = await fake.deauthorize(zoomUser.id);
		expect(delivery.status).toBe(200);
		expect(await storedTokens(db, person.user.id)).toBeNull();
		await expectForgotten(person);
		expect(await storedTokens(db, bystander.user.id)).not.toBeNull();
		// Zoom sends it again until answered: again 200, nothing else changes.
		const before = await everyTableAsText(db);
		const again = await fake.sendWebhook('app_deauthorized', JSON.parse(delivery.body).payload);
		expect(again.status).toBe(200);
		expect(await everyTableAsText(db)).toBe(before);
	});

	it('answers endpoint.url_validation as Zoom checks it', async () => {
		const { valid, delivery } = await fake.validateUrl();
		expect(delivery.status).toBe(200);
		expect(valid).toBe(true);
	});

	it('a mis-signed, stale or unsigned webhook gets 400 and changes nothing', async () => {
		const zoomUser = fake.addUser();
		const person = await zoomPractitioner(db, fake, { zoomUserId: zoomUser.id });
		const body = JSON.stringify({
			event: 'app_deauthorized',
			payload: { user_id: zoomUser.id, account_id: zoomUser.account_id }
		});
		const good = fake.sign(body);
		const stale = fake.sign(body, String(Math.floor(Date.now() / 1000) - 6 * 60));
		const before = await everyTableAsText(db);
		const attempts: Record<string, string>[] = [
			{ 'x-zm-request-timestamp': good.timestamp, 'x-zm-signature': `v0=${'0'.repeat(64)}` },
			{ 'x-zm-request-timestamp': stale.timestamp, 'x-zm-signature': stale.signature },
			// The signature of another body.
			{
				'x-zm-request-timestamp': good.timestamp,
				'x-zm-signature': fake.sign('{}', good.timestamp).signature
			},
			{}
		];
		for (const headers of attempts) {
			const response = await fetch(webhookUrl, {
				method: 'POST',
				headers: { 'content-type': 'application/json', ...headers },
				body
			});
			expect(response.status).toBe(400);
		}
		expect(await everyTableAsText(db)).toBe(before);
		expect(await storedTokens(db, person.user.id)).not.toBeNull();
	});

	it('other events are answered 200 and ignored', async () => {
		const before = await everyTableAsText(db);
		const delivery = await fake.sendWebhook('meeting.started', { object: { id: 1 } });
		expect(delivery.status).toBe(200);
		expect(await everyTableAsText(db)).toBe(before);
	});
});

describe('deleting the account', () => {
	it('deletes it when Zoom is no longer set up on this server, the connection with it', async () => {
		const person = await zoomPractitioner(db, fake, { zoomUserId: fake.addUser().id });
		const saved = process.env.ZOOM_CLIENT_SECRET;
		delete process.env.ZOOM_CLIENT_SECRET;
		try {
			await (await person.browser.api()).accountData.deleteAccount({ password: STRONG_PASSWORD });
		} finally {
			process.env.ZOOM_CLIENT_SECRET = saved;
		}
		expect(await db.select().from(users).where(eq(users.id, person.user.id))).toEqual([]);
		await expectForgotten(person);
	});

	it('revokes the grant at Zoom and leaves nothing of the connection', async () => {
		const person = await zoomPractitioner(db, fake, { zoomUserId: fake.addUser().id });
		await (await person.browser.api()).accountData.deleteAccount({ password: STRONG_PASSWORD });
		expect(fake.tokenState(person.tokens!.refreshToken)).toBe('revoked');
		expect(await db.select().from(users).where(eq(users.id, person.user.id))).toEqual([]);
		expect(
			await db
				.select()
				.from(zoomConnections)
				.where(and(eq(zoomConnections.userId, person.user.id)))
		).toEqual([]);
		await expectForgotten(person);
	});
});
