import { and, asc, eq, like, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db';
import { emailDeliveries, seriesOccurrences, subscribers } from '../../src/lib/server/db/schema';
import { weekdayFields } from '../../src/lib/server/series/schemas';
import { extendAllSeries } from '../../src/lib/server/series/service';
import { ORIGIN, signedUpPractitioner, TestBrowser } from './support/browser';
import { useTestDatabase } from './support/database';
import { failure } from './support/errors';
import {
	expectFirstComeFirstServed,
	firstDates,
	publishedSeries,
	seriesInput,
	signUp,
	signUpAndConfirm,
	visitorEmail
} from './support/series';

let db: Database;
beforeAll(async () => {
	({ db } = await useTestDatabase());
});

describe('series schedule', () => {
	it.each([
		['America/New_York', '2027-03-01'],
		['Europe/Berlin', '2027-03-15']
	])('keeps 18:00 local across the DST change in %s', async (timeZone, startDate) => {
		const { browser } = await signedUpPractitioner(db);
		const api = await browser.api();
		const { id } = await api.series.create(
			seriesInput({
				timeZone,
				startDate,
				...weekdayFields([1, 4]),
				endKind: 'count',
				occurrenceCount: 6
			})
		);
		// The change is further ahead than the rolling window: widen it, as the hourly job would later.
		await extendAllSeries(db, 500);
		const dates = await db
			.select()
			.from(seriesOccurrences)
			.where(eq(seriesOccurrences.seriesId, id))
			.orderBy(asc(seriesOccurrences.startsAt));
		expect(dates).toHaveLength(6);
		const local = dates.map((d) =>
			new Intl.DateTimeFormat('en-GB', {
				weekday: 'short',
				hour: '2-digit',
				minute: '2-digit',
				timeZone
			}).format(d.startsAt)
		);
		expect(local).toEqual([
			'Mon 18:00',
			'Thu 18:00',
			'Mon 18:00',
			'Thu 18:00',
			'Mon 18:00',
			'Thu 18:00'
		]);
		const utcHours = new Set(dates.map((d) => d.startsAt.getUTCHours()));
		expect(utcHours.size).toBe(2);
	});

	it('extends the rolling window without duplicating, and a moved date is not recreated', async () => {
		const { browser } = await signedUpPractitioner(db);
		const api = await browser.api();
		const { id } = await api.series.create(seriesInput({ startDate: '2026-01-01' }));
		const before = await db
			.select()
			.from(seriesOccurrences)
			.where(eq(seriesOccurrences.seriesId, id));
		expect(before.length).toBeGreaterThanOrEqual(12);
		const first = before.sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime())[0]!;
		await api.series.moveOccurrence({
			occurrenceId: first.id,
			date: '2099-12-31',
			startTime: '09:00'
		});
		await db.execute(sql`update series set materialized_until = null where id = ${id}`);
		await extendAllSeries(db);
		const after = await db
			.select()
			.from(seriesOccurrences)
			.where(eq(seriesOccurrences.seriesId, id));
		expect(after).toHaveLength(before.length);
	});
});

describe('capacity and waitlist', () => {
	it('takes 200 parallel signups for 20 places: exactly 20 active, 180 waitlisted in arrival order', async () => {
		const { browser } = await signedUpPractitioner(db);
		const { id, slug } = await publishedSeries(await browser.api(), { capacity: 20 });
		const results = await Promise.allSettled(
			Array.from({ length: 200 }, (_, n) => signUpAndConfirm(db, slug, n))
		);
		expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
		await expectFirstComeFirstServed(db, id, { places: 20, crowd: 200 });
	}, 120_000);

	it('takes a crowd at once: an address twice in it signs up once, and one already in keeps its place', async () => {
		const { browser } = await signedUpPractitioner(db);
		const { id, slug } = await publishedSeries(await browser.api(), { capacity: 5 });
		await signUpAndConfirm(db, slug, 0);
		// The first signup starts a batch; the rest arrive while it runs and go in together.
		const crowd = [...Array.from({ length: 30 }, (_, i) => i + 1), 7, 7, 0];
		const results = await Promise.allSettled(
			crowd.map(async (n) => {
				const visitor = await new TestBrowser(db).api();
				return visitor.subscribers.signUp({
					slug,
					fields: {
						name: `Visitor ${n}`,
						email: visitorEmail(slug, n),
						phone: '',
						consent: true,
						website: ''
					}
				});
			})
		);
		expect(results.filter((r) => r.status === 'rejected')).toEqual([]);

		const rows = await db.select().from(subscribers).where(eq(subscribers.seriesId, id));
		expect(rows).toHaveLength(31);
		expect(rows.find((r) => r.email === visitorEmail(slug, 0))?.status).toBe('active');
		expect(rows.filter((r) => r.status === 'pending')).toHaveLength(30);
		const mails = await db
			.select({ key: emailDeliveries.key, to: emailDeliveries.recipient })
			.from(emailDeliveries)
			.where(like(emailDeliveries.recipient, `%-${slug}@example.com`));
		const to = (purpose: string) =>
			mails.filter((m) => m.key.startsWith(`${purpose}:`)).map((m) => m.to);
		expect(to('series-already')).toEqual([visitorEmail(slug, 0)]);
		// One confirmation for each of the 30 (7's two more signups in the same minute add none),
		// and visitor 0's from before.
		expect(to('series-confirm').sort()).toEqual(
			Array.from({ length: 31 }, (_, n) => visitorEmail(slug, n)).sort()
		);
	});

	it('counts a crowd from one address against its limit: ten of them get in, the rest are told when to retry', async () => {
		const { browser } = await signedUpPractitioner(db);
		const { id, slug } = await publishedSeries(await browser.api(), { capacity: 5 });
		const oneAddress = new TestBrowser(db);
		const other = new TestBrowser(db);
		const post = (browser: TestBrowser, n: number) =>
			browser.api().then((visitor) =>
				visitor.subscribers.signUp({
					slug,
					fields: {
						name: `Neighbour ${n}`,
						email: `neighbour${n}-${slug}@example.com`,
						phone: '',
						consent: true,
						website: ''
					}
				})
			);
		// All at once, so most of them share a batch: within it, hits past the tenth are refused.
		const results = await Promise.allSettled([
			...Array.from({ length: 14 }, (_, n) => post(oneAddress, n)),
			post(other, 99)
		]);
		const refused = results.filter((r) => r.status === 'rejected');
		expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(11);
		expect(refused).toHaveLength(4);
		for (const r of refused) {
			expect(r.reason).toMatchObject({ code: 'TOO_MANY_REQUESTS' });
			expect(r.reason.message).toMatch(/try again in \d+ minutes/);
		}
		const rows = await db.select().from(subscribers).where(eq(subscribers.seriesId, id));
		expect(rows).toHaveLength(11);
		// The window is full: a later signup from that address is refused too.
		expect((await failure(post(oneAddress, 20))).code).toBe('TOO_MANY_REQUESTS');
	});

	it('confirms a link clicked twice at once once, and refuses confirming once the series ended', async () => {
		const { browser } = await signedUpPractitioner(db);
		const api = await browser.api();
		const { id, slug } = await publishedSeries(api, { capacity: 5 });
		const twice = await signUp(db, slug, 1);
		const other = await signUp(db, slug, 2);
		const late = await signUp(db, slug, 3);
		const [a, b, c] = await Promise.all([
			twice.visitor.subscribers.confirm({ token: twice.token }),
			twice.visitor.subscribers.confirm({ token: twice.token }),
			other.visitor.subscribers.confirm({ token: other.token })
		]);
		expect([a.status, b.status, c.status]).toEqual(['active', 'active', 'active']);
		const admittedMails = await db
			.select({ key: emailDeliveries.key })
			.from(emailDeliveries)
			.where(
				and(
					eq(emailDeliveries.recipient, `visitor1-${slug}@example.com`),
					like(emailDeliveries.key, 'series-admitted:%')
				)
			);
		expect(admittedMails).toHaveLength(1);

		await api.series.setStatus({ id, status: 'archived' });
		const refused = await failure(late.visitor.subscribers.confirm({ token: late.token }));
		expect(refused.code).toBe('BAD_REQUEST');
		expect(refused.message).toMatch(/takes no new signups/);
	});

	it('a leave promotes exactly the longest-waiting person, and they are emailed', async () => {
		const { browser } = await signedUpPractitioner(db);
		const { id, slug } = await publishedSeries(await browser.api(), { capacity: 2 });
		for (let n = 0; n < 5; n++) await signUpAndConfirm(db, slug, n);
		const [leaver] = await db
			.select()
			.from(subscribers)
			.where(and(eq(subscribers.seriesId, id), eq(subscribers.status, 'active')))
			.orderBy(asc(subscribers.arrival))
			.limit(1);
		const [manage] = await db
			.select({ text: emailDeliveries.text })
			.from(emailDeliveries)
			.where(like(emailDeliveries.key, `series-admitted:${leaver!.id}:%`));
		const token = manage!.text.match(new RegExp(`${ORIGIN}/m/(\\S+)`))![1]!;
		await (await new TestBrowser(db).api()).subscribers.leave({ token });
		const rows = await db
			.select()
			.from(subscribers)
			.where(eq(subscribers.seriesId, id))
			.orderBy(asc(subscribers.arrival));
		expect(rows.map((r) => r.status)).toEqual([
			'left',
			'active',
			'active',
			'waitlisted',
			'waitlisted'
		]);
		const promoted = rows[2]!;
		const [mail] = await db
			.select()
			.from(emailDeliveries)
			.where(like(emailDeliveries.key, `series-admitted:${promoted.id}:%`));
		expect(mail?.purpose).toBe('series-promoted');
		// Leaving twice changes nothing more.
		await (await new TestBrowser(db).api()).subscribers.leave({ token });
		const again = await db
			.select()
			.from(subscribers)
			.where(eq(subscribers.seriesId, id))
			.orderBy(asc(subscribers.arrival));
		expect(again.map((r) => r.status)).toEqual([
			'left',
			'active',
			'active',
			'waitlisted',
			'waitlisted'
		]);
	});

	it('refuses signups for drafts (not found) and archived series (ended)', async () => {
		const { browser } = await signedUpPractitioner(db);
		const api = await browser.api();
		const draft = await api.series.create(seriesInput());
		const visitor = await new TestBrowser(db).api();
		const fields = { name: 'V', email: 'v@example.com', phone: '', consent: true, website: '' };
		expect((await failure(visitor.subscribers.signUp({ slug: draft.slug, fields }))).code).toBe(
			'NOT_FOUND'
		);
		expect((await failure(visitor.subscribers.publicSeries({ slug: draft.slug }))).code).toBe(
			'NOT_FOUND'
		);
		await api.series.setStatus({ id: draft.id, status: 'archived' });
		expect((await failure(visitor.subscribers.signUp({ slug: draft.slug, fields }))).code).toBe(
			'BAD_REQUEST'
		);
	});

	it('keeps only name, email and phone, and a bot filling the hidden field creates nothing', async () => {
		const { browser } = await signedUpPractitioner(db);
		const { id, slug } = await publishedSeries(await browser.api());
		const visitor = await new TestBrowser(db).api();
		await visitor.subscribers.signUp({
			slug,
			fields: {
				name: 'Bot',
				email: 'bot@example.com',
				phone: '',
				consent: true,
				website: 'http://spam'
			}
		});
		expect(await db.select().from(subscribers).where(eq(subscribers.seriesId, id))).toHaveLength(0);
		await visitor.subscribers.signUp({
			slug,
			fields: {
				name: 'Real',
				email: 'Real@Example.com',
				phone: '+1 555 0100',
				consent: true,
				website: ''
			}
		});
		const [row] = await db.select().from(subscribers).where(eq(subscribers.seriesId, id));
		expect(row).toMatchObject({
			name: 'Real',
			email: 'real@example.com',
			phone: '+1 555 0100',
			status: 'pending'
		});
		const personal = Object.keys(row!).filter(
			(k) =>
				![
					'id',
					'seriesId',
					'ownerId',
					'status',
					'arrival',
					'consentedAt',
					'confirmedAt',
					'unsubscribedAt',
					'leftAt',
					'createdAt',
					'updatedAt',
					// Paid series: where the payment stands, and Stripe's ids (never card data).
					'holdUntil',
					'holdCheckedAt',
					'payment',
					'paidUntil',
					'cancelAt',
					'stripeCustomerId',
					'stripeSubscriptionId',
					'checkoutSessionId'
				].includes(k)
		);
		expect(personal.sort()).toEqual(['email', 'name', 'phone']);
	});
});

describe('subscriber emails', () => {
	it('puts RFC 8058 headers and a visible unsubscribe link in every subscriber email, and the link unsubscribes', async () => {
		const { browser } = await signedUpPractitioner(db);
		const { id, slug } = await publishedSeries(await browser.api(), { capacity: 5 });
		await signUpAndConfirm(db, slug, 1);
		const mails = await db
			.select()
			.from(emailDeliveries)
			.where(like(emailDeliveries.recipient, `visitor1-${slug}@example.com`));
		expect(mails.map((m) => m.purpose).sort()).toEqual(['series-admitted', 'series-confirm']);
		for (const mail of mails) {
			expect(mail.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
			expect(mail.headers['List-Unsubscribe']).toMatch(new RegExp(`^<${ORIGIN}/u/\\S+>$`));
			expect(mail.text).toContain(`${ORIGIN}/u/`);
			expect(mail.html).toContain(`${ORIGIN}/u/`);
		}
		const admitted = mails.find((m) => m.purpose === 'series-admitted')!;
		expect(JSON.stringify(admitted)).toContain('BEGIN:VCALENDAR');
		const token = admitted.headers['List-Unsubscribe']!.match(/\/u\/([^>]+)>/)![1]!;
		await (await new TestBrowser(db).api()).subscribers.unsubscribe({ token });
		const [row] = await db.select().from(subscribers).where(eq(subscribers.seriesId, id));
		expect(row?.unsubscribedAt).toBeInstanceOf(Date);
		expect(row?.status).toBe('active');
		expect(
			(
				await failure(
					(await new TestBrowser(db).api()).subscribers.unsubscribe({ token: `${row!.id}.forged` })
				)
			).code
		).toBe('BAD_REQUEST');
	});

	it('tells subscribers when a date is cancelled or moved, once per change', async () => {
		const { browser } = await signedUpPractitioner(db);
		const api = await browser.api();
		const { id, slug } = await publishedSeries(api, { capacity: 5 });
		await signUpAndConfirm(db, slug, 1);
		await signUpAndConfirm(db, slug, 2);
		const [first, second] = await firstDates(db, id, 2);
		await api.series.cancelOccurrence({ occurrenceId: first!.id });
		await api.series.cancelOccurrence({ occurrenceId: first!.id });
		await api.series.moveOccurrence({
			occurrenceId: second!.id,
			date: '2099-06-01',
			startTime: '19:30'
		});
		const cancelled = await db
			.select()
			.from(emailDeliveries)
			.where(like(emailDeliveries.key, `occurrence-cancelled:${first!.id}:%`));
		const moved = await db
			.select()
			.from(emailDeliveries)
			.where(like(emailDeliveries.key, `occurrence-moved:${second!.id}:%`));
		expect(cancelled).toHaveLength(2);
		expect(moved).toHaveLength(2);
		expect(moved[0]!.text).toContain('19:30 (Europe/Berlin)');
	});

	it("writes dates in subscriber emails as the practitioner does, naming the series' zone", async () => {
		const { browser, user } = await signedUpPractitioner(db);
		const api = await browser.api();
		await api.account.updateProfile({
			name: user.name,
			timeZone: 'America/New_York',
			currency: 'EUR',
			locale: 'en-US',
			clock: '12'
		});
		const { id, slug } = await publishedSeries(api, { capacity: 5 });
		await signUpAndConfirm(db, slug, 1);
		const [first] = await firstDates(db, id, 1);
		await api.series.moveOccurrence({
			occurrenceId: first!.id,
			date: '2099-06-01',
			startTime: '19:30'
		});
		const [moved] = await db
			.select()
			.from(emailDeliveries)
			.where(like(emailDeliveries.key, `occurrence-moved:${first!.id}:%`));
		// The practitioner's zone is not the reader's: the time stays in the series' own zone.
		expect(moved!.text.replace(/\s/g, ' ')).toContain(
			'moves to Monday, June 1, 2099 at 7:30 PM (Europe/Berlin).'
		);
	});
});

describe('cancelling and restoring a date', () => {
	it('puts a cancelled date back on and tells everyone; each change is told once, also when sent twice at once', async () => {
		const { browser } = await signedUpPractitioner(db);
		const api = await browser.api();
		const { id, slug } = await publishedSeries(api, { capacity: 5 });
		await signUpAndConfirm(db, slug, 1);
		await signUpAndConfirm(db, slug, 2);
		const [date] = await firstDates(db, id, 1);
		const occurrenceId = date!.id;
		const mails = (kind: string) =>
			db
				.select()
				.from(emailDeliveries)
				.where(like(emailDeliveries.key, `occurrence-${kind}:${occurrenceId}:%`));
		const status = async () =>
			(await db.select().from(seriesOccurrences).where(eq(seriesOccurrences.id, occurrenceId)))[0]!
				.status;

		expect(await api.series.cancelOccurrence({ occurrenceId })).toEqual({
			id: occurrenceId,
			changed: true
		});
		expect(await status()).toBe('cancelled');
		expect(await mails('cancelled')).toHaveLength(2);

		expect((await api.series.restoreOccurrence({ occurrenceId })).changed).toBe(true);
		expect(await status()).toBe('scheduled');
		const back = await mails('restored');
		expect(back.map((m) => m.recipient).sort()).toEqual([
			`visitor1-${slug}@example.com`,
			`visitor2-${slug}@example.com`
		]);
		expect(back[0]!.subject).toMatch(/^Back on: Evening yoga on /);
		expect(back[0]!.text).toContain('takes place after all');
		// A date already on is not put back on again, and nobody hears of it.
		expect((await api.series.restoreOccurrence({ occurrenceId })).changed).toBe(false);
		expect(await mails('restored')).toHaveLength(2);

		// Cancelled a second time is a new change, told again; two restores at once tell it once.
		await api.series.cancelOccurrence({ occurrenceId });
		expect(await mails('cancelled')).toHaveLength(4);
		const both = await Promise.all([
			api.series.restoreOccurrence({ occurrenceId }),
			api.series.restoreOccurrence({ occurrenceId })
		]);
		expect(both.map((r) => r.changed).sort()).toEqual([false, true]);
		expect(await mails('restored')).toHaveLength(4);
	});
});

describe('deleting a series', () => {
	it('removes its dates, its subscribers and the record of every email sent to them', async () => {
		const { browser } = await signedUpPractitioner(db);
		const api = await browser.api();
		const { id, slug } = await publishedSeries(api, { capacity: 5 });
		await signUpAndConfirm(db, slug, 1);
		const [person] = await db.select().from(subscribers).where(eq(subscribers.seriesId, id));
		const mentions = () =>
			db
				.select()
				.from(emailDeliveries)
				.where(like(emailDeliveries.key, `%${person!.id}%`));
		expect((await mentions()).length).toBeGreaterThan(0);
		await api.series.delete({ id });
		expect(await db.select().from(subscribers).where(eq(subscribers.seriesId, id))).toEqual([]);
		expect(
			await db.select().from(seriesOccurrences).where(eq(seriesOccurrences.seriesId, id))
		).toEqual([]);
		expect(await mentions()).toEqual([]);
	});

	it('removing one subscriber deletes their record of emails too, and the others keep theirs', async () => {
		const { browser } = await signedUpPractitioner(db);
		const api = await browser.api();
		const { id, slug } = await publishedSeries(api, { capacity: 5 });
		await signUpAndConfirm(db, slug, 1);
		await signUpAndConfirm(db, slug, 2);
		const people = await db
			.select()
			.from(subscribers)
			.where(eq(subscribers.seriesId, id))
			.orderBy(asc(subscribers.arrival));
		const mentions = (person: (typeof people)[number]) =>
			db
				.select()
				.from(emailDeliveries)
				.where(like(emailDeliveries.key, `%${person.id}%`));
		const [removed, kept] = people;
		const keptBefore = await mentions(kept!);
		expect((await mentions(removed!)).length).toBeGreaterThan(0);
		await api.subscribers.remove({ id: removed!.id });
		expect(await mentions(removed!)).toEqual([]);
		expect(
			await db.select().from(emailDeliveries).where(eq(emailDeliveries.recipient, removed!.email))
		).toEqual([]);
		expect(await mentions(kept!)).toEqual(keptBefore);
	});
});

describe('tenant isolation', () => {
	it('gives another practitioner NOT_FOUND for every series procedure and changes nothing', async () => {
		const owner = await signedUpPractitioner(db, 'Owner');
		const other = await signedUpPractitioner(db, 'Other');
		const mine = await owner.browser.api();
		const theirs = await other.browser.api();
		const { id, slug } = await publishedSeries(mine, { capacity: 3 });
		await signUpAndConfirm(db, slug, 1);
		const [occurrence] = await db
			.select()
			.from(seriesOccurrences)
			.where(eq(seriesOccurrences.seriesId, id))
			.limit(1);
		const [person] = await db.select().from(subscribers).where(eq(subscribers.seriesId, id));
		const snapshot = async () =>
			JSON.stringify(
				await db.execute(
					sql`select (select json_agg(s order by id) from series s) as s, (select json_agg(o order by id) from series_occurrences o) as o, (select json_agg(p order by id) from subscribers p) as p`
				)
			);
		const before = await snapshot();
		const attempts: [string, () => Promise<unknown>][] = [
			['series.get', () => theirs.series.get({ id })],
			['series.update', () => theirs.series.update({ id, fields: seriesInput() })],
			['series.setStatus', () => theirs.series.setStatus({ id, status: 'archived' })],
			['series.delete', () => theirs.series.delete({ id })],
			[
				'series.cancelOccurrence',
				() => theirs.series.cancelOccurrence({ occurrenceId: occurrence!.id })
			],
			[
				'series.restoreOccurrence',
				() => theirs.series.restoreOccurrence({ occurrenceId: occurrence!.id })
			],
			[
				'series.moveOccurrence',
				() =>
					theirs.series.moveOccurrence({
						occurrenceId: occurrence!.id,
						date: '2099-01-01',
						startTime: '10:00'
					})
			],
			['subscribers.list', () => theirs.subscribers.list({ seriesId: id, q: '' })],
			['subscribers.remove', () => theirs.subscribers.remove({ id: person!.id })]
		];
		for (const [name, attempt] of attempts) {
			expect(`${name}: ${(await failure(attempt())).code}`).toBe(`${name}: NOT_FOUND`);
		}
		expect(await theirs.series.list()).toEqual([]);
		expect(await snapshot()).toBe(before);
	});
});
