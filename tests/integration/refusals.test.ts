import { and, eq, like, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { z, ZodError } from 'zod';
import { validateAuthSessionToken } from '../../src/lib/server/auth/session';
import { encodeCursor } from '../../src/lib/server/clients/schemas';
import type { Database } from '../../src/lib/server/db';
import { emailDeliveries, sessions, subscribers, users } from '../../src/lib/server/db/schema';
import { signUp } from '../../src/lib/server/subscribers/service';
import { actions as signupActions } from '../../src/routes/s/[slug]/+page.server';
import { load as clientsLoad } from '../../src/routes/(app)/clients/+page.server';
import { ORIGIN, signedUpPractitioner, STRONG_PASSWORD, TestBrowser } from './support/browser';
import { useTestDatabase } from './support/database';
import { failure } from './support/errors';
import { makeClient, makeSessions } from './support/practice';
import { answerOf, requestEvent } from './support/routes';
import { publishedSeries } from './support/series';

let db: Database;
beforeAll(async () => {
	({ db } = await useTestDatabase());
});

const POISON = 'x\u0000y';

async function subscriberCount(seriesId: string) {
	const [row] = await db
		.select({ n: sql<number>`count(*)::int` })
		.from(subscribers)
		.where(eq(subscribers.seriesId, seriesId));
	return row!.n;
}

const visitor = (i: number, slug: string, name = `Visitor ${i}`) => ({
	name,
	email: `v${i}@${slug}.example.com`,
	phone: '',
	consent: true,
	website: ''
});

describe('one poisoned public signup among 60', () => {
	it('is refused at the edge with a clear message, and the other 60 are stored', async () => {
		const { browser } = await signedUpPractitioner(db);
		const { id, slug } = await publishedSeries(await browser.api(), { capacity: 100 });
		const calls = Array.from({ length: 61 }, async (_, i) =>
			(await new TestBrowser(db).api()).subscribers.signUp({
				slug,
				fields: visitor(i, slug, i === 30 ? POISON : undefined)
			})
		);
		const results = await Promise.allSettled(calls);
		const refused = await failure(calls[30]!);
		expect(refused.code).toBe('BAD_REQUEST');
		expect(refused.cause).toBeInstanceOf(ZodError);
		expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(60);
		expect(await subscriberCount(id)).toBe(60);
	});

	it('is refused alone by the batch writer, which stores and emails the rest of its batch', async () => {
		const { browser } = await signedUpPractitioner(db);
		const { id, slug } = await publishedSeries(await browser.api(), { capacity: 100 });
		// The first signup starts a batch at once; the other 60 wait and go together in the next,
		// the poisoned one in their middle. The service is called directly: the edge already
		// refuses this name, and the batch must hold even for a value it lets through one day.
		const calls = Array.from({ length: 61 }, (_, i) =>
			signUp(
				db,
				slug,
				visitor(i, slug, i === 30 ? POISON : undefined),
				{ ip: `192.0.2.${i}`, userAgent: 'Batch test' },
				ORIGIN
			)
		);
		const results = await Promise.allSettled(calls);
		expect(results.map((r) => r.status)).toEqual(
			results.map((_, i) => (i === 30 ? 'rejected' : 'fulfilled'))
		);
		expect(await subscriberCount(id)).toBe(60);
		const confirmations = await db
			.select({ recipient: emailDeliveries.recipient })
			.from(emailDeliveries)
			.where(
				and(
					like(emailDeliveries.recipient, `%@${slug}.example.com`),
					like(emailDeliveries.key, 'series-confirm:%')
				)
			);
		expect(confirmations).toHaveLength(60);
	});

	it('shows the visitor of a refused signup the form again with what they typed, as a 400', async () => {
		const { browser } = await signedUpPractitioner(db);
		const { slug } = await publishedSeries(await browser.api());
		const submit = (name: string) =>
			answerOf(() =>
				signupActions.default!(
					requestEvent({
						path: `/s/${slug}`,
						params: { slug },
						form: { name, email: `form@${slug}.example.com`, phone: '', consent: 'on' }
					}) as never
				)
			);

		const refused = await submit(POISON);
		expect(refused.status).toBe(400);
		const { form } = refused.data as {
			form: { data: Record<string, unknown>; errors: Record<string, string[]> };
		};
		expect(form.data).toMatchObject({ name: POISON, email: `form@${slug}.example.com` });
		expect(form.errors.name).toEqual([
			'This contains a character that cannot be stored; please remove it.'
		]);

		const accepted = await submit('Ana');
		expect(accepted.status).toBe(200);
	});
});

describe('a weekly rule', () => {
	it('is refused from its dates alone when it makes more than 260 sessions, before any is built', async () => {
		const { browser } = await signedUpPractitioner(db);
		const api = await browser.api();
		const client = await makeClient(api);
		const weekly = (date: string, until: string) =>
			makeSessions(api, client.id, { date, repeat: 'weekly', repeatEnd: 'until', until });

		const endless = await failure(weekly('1000-01-01', '9999-12-31'));
		expect(endless.code).toBe('BAD_REQUEST');
		const tooMany = await failure(weekly('2030-01-07', '2035-01-07'));
		expect(tooMany.code).toBe('BAD_REQUEST');
		// A ZodError: the input was refused before the procedure built a single date.
		expect(tooMany.cause).toBeInstanceOf(ZodError);
		expect(z.flattenError(tooMany.cause as ZodError).fieldErrors).toEqual({
			until: ['That makes 261 sessions; at most 260 can be created at once.']
		});
		const justEnough = await weekly('2030-01-07', '2034-12-25');
		expect(justEnough.ids).toHaveLength(260);
		const [row] = await db
			.select({ n: sql<number>`count(*)::int` })
			.from(sessions)
			.where(eq(sessions.clientId, client.id));
		expect(row!.n).toBe(260);
	});
});

describe('the client list', () => {
	it('refuses a forged page cursor with 400, over the procedure and on the page', async () => {
		const { browser } = await signedUpPractitioner(db);
		const api = await browser.api();
		for (const name of ['Ada', 'Ben', 'Cy']) await makeClient(api, { name });
		const page1 = await api.clients.list({ limit: 2 });
		const page2 = await api.clients.list({ limit: 2, cursor: page1.nextCursor! });
		expect(page2.items.map((c) => c.name)).toEqual(['Cy']);

		const forged = [
			'not base64 at all!',
			Buffer.from('{"a":1}').toString('base64url'),
			encodeCursor({ name: 'ben', id: 'not-a-uuid' }),
			encodeCursor({ name: POISON, id: page1.items[0]!.id }),
			Buffer.from(JSON.stringify([1, 2])).toString('base64url')
		];
		for (const cursor of forged) {
			expect((await failure(api.clients.list({ cursor }))).code).toBe('BAD_REQUEST');
			const validated = await validateAuthSessionToken(db, browser.token!, browser.client);
			const answer = await answerOf(() =>
				clientsLoad(
					requestEvent({
						path: `/clients?cursor=${encodeURIComponent(cursor)}`,
						signedIn: { user: validated!.user, authSession: validated!.session }
					}) as never
				)
			);
			expect(answer.status).toBe(400);
		}
	});
});

describe('a time zone PostgreSQL does not know', () => {
	it('starts a sign-up from such a browser in UTC, and is refused when chosen in settings', async () => {
		const browser = new TestBrowser(db);
		const email = `pacific-new-${Date.now()}@example.com`;
		await (
			await browser.api()
		).account.signUp({
			name: 'Pat',
			email,
			password: STRONG_PASSWORD,
			ageConfirmed: true,
			timeZone: 'US/Pacific-New'
		});
		const [row] = await db
			.select({ timeZone: users.timeZone })
			.from(users)
			.where(eq(users.email, email));
		expect(row).toEqual({ timeZone: 'UTC' });

		const { browser: practitioner } = await signedUpPractitioner(db);
		const refused = await failure(
			(await practitioner.api()).account.updateProfile({
				name: 'Robin',
				timeZone: 'US/Pacific-New',
				currency: 'EUR',
				locale: 'en-GB',
				clock: 'locale'
			})
		);
		expect(refused.code).toBe('BAD_REQUEST');
		expect(z.flattenError(refused.cause as ZodError).fieldErrors).toEqual({
			timeZone: ['Choose a valid time zone.']
		});
	});
});
