import type { TRPCError } from '@trpc/server';
import { and, asc, eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db';
import { clients, seriesOccurrences, sessionNotes, sessions } from '../../src/lib/server/db/schema';
import { renderNote } from '../../src/lib/server/notes/markdown';
import { signedUpPractitioner } from './support/browser';
import { useTestDatabase } from './support/database';
import { failure } from './support/errors';
import { makeClient, makeSessions } from './support/practice';
import { publishedSeries, signUpAndConfirm } from './support/series';

let db: Database;
beforeAll(async () => {
	({ db } = await useTestDatabase());
});

/** Local wall-clock time of an instant in a zone, e.g. "18:00". */
function localTime(instant: Date, timeZone: string): string {
	return new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', timeZone }).format(
		instant
	);
}

describe('clients', () => {
	it('searches name, email and phone as you type, filters by tag and archive, and pages by keyset', async () => {
		const { browser } = await signedUpPractitioner(db);
		const api = await browser.api();
		const names = ['Zoe Adams', 'anna Berg', 'Bob 100%', 'Carla Diaz', 'dave Evans'];
		for (const [i, name] of names.entries()) {
			await makeClient(api, {
				name,
				email: `c${i}@mail.test`,
				phone: `+49 30 55${i}`,
				tags: i % 2 ? 'couples' : 'individual'
			});
		}
		const page1 = await api.clients.list({ q: '', tag: '', show: 'active', limit: 2 });
		expect(page1.items.map((c) => c.name)).toEqual(['anna Berg', 'Bob 100%']);
		const page2 = await api.clients.list({
			q: '',
			tag: '',
			show: 'active',
			limit: 2,
			cursor: page1.nextCursor!
		});
		expect(page2.items.map((c) => c.name)).toEqual(['Carla Diaz', 'dave Evans']);
		const page3 = await api.clients.list({
			q: '',
			tag: '',
			show: 'active',
			limit: 2,
			cursor: page2.nextCursor!
		});
		expect(page3.items.map((c) => c.name)).toEqual(['Zoe Adams']);
		expect(page3.nextCursor).toBeNull();

		expect(
			(await api.clients.list({ q: 'BERG', tag: '', show: 'active', limit: 25 })).items.map(
				(c) => c.name
			)
		).toEqual(['anna Berg']);
		expect(
			(await api.clients.list({ q: 'c3@mail', tag: '', show: 'active', limit: 25 })).items.map(
				(c) => c.name
			)
		).toEqual(['Carla Diaz']);
		expect(
			(await api.clients.list({ q: '30 552', tag: '', show: 'active', limit: 25 })).items.map(
				(c) => c.name
			)
		).toEqual(['Bob 100%']);
		expect(
			(await api.clients.list({ q: '0%', tag: '', show: 'active', limit: 25 })).items.map(
				(c) => c.name
			)
		).toEqual(['Bob 100%']);
		expect(
			(await api.clients.list({ q: '', tag: 'couples', show: 'active', limit: 25 })).items
		).toHaveLength(2);
		expect(await api.clients.tags()).toEqual(['couples', 'individual']);

		const zoe = (await api.clients.list({ q: 'zoe', tag: '', show: 'active', limit: 25 }))
			.items[0]!;
		await api.clients.setArchived({ id: zoe.id, archived: true });
		expect(
			(await api.clients.list({ q: '', tag: '', show: 'active', limit: 25 })).items
		).toHaveLength(4);
		expect(
			(await api.clients.list({ q: '', tag: '', show: 'archived', limit: 25 })).items.map(
				(c) => c.id
			)
		).toEqual([zoe.id]);
	});

	it('searches without regard to accents, either way round, through the trigram index', async () => {
		const { browser } = await signedUpPractitioner(db);
		const api = await browser.api();
		for (const name of [
			'Jürgen Müller',
			'Anna Muller',
			'Zoë Straße',
			'Ørjan Ødegård',
			'Bob Mills'
		]) {
			await makeClient(api, { name });
		}
		const found = async (q: string) =>
			(await api.clients.list({ q, tag: '', show: 'active', limit: 25 })).items
				.map((c) => c.name)
				.sort();

		expect(await found('muller')).toEqual(['Anna Muller', 'Jürgen Müller']);
		expect(await found('müller')).toEqual(['Anna Muller', 'Jürgen Müller']);
		expect(await found('MÜLLER')).toEqual(['Anna Muller', 'Jürgen Müller']);
		expect(await found('zoe strasse')).toEqual(['Zoë Straße']);
		expect(await found('odegard')).toEqual(['Ørjan Ødegård']);
		expect(await found('jurgen m')).toEqual(['Jürgen Müller']);

		// The folded column keeps its trigram index: with sequential scans ruled out, and no other
		// index that could answer the pattern, the plan uses it.
		const plan = await db.transaction(async (tx) => {
			await tx.execute(sql`set local enable_seqscan = off`);
			return tx.execute<{ 'QUERY PLAN': string }>(
				sql`explain select id from ${clients}
					where ${clients.searchText} like search_fold(${'%müller%'})`
			);
		});
		expect(plan.map((row) => row['QUERY PLAN']).join('\n')).toContain('clients_search_idx');
	});

	it('shows the whole history and what the client owes, and deleting removes sessions and notes', async () => {
		const { browser } = await signedUpPractitioner(db);
		const api = await browser.api();
		const { id } = await makeClient(api, { name: 'History Harper' });
		const { ids } = await makeSessions(api, id, {
			date: '2026-06-02',
			repeat: 'weekly',
			count: 3,
			fee: '75.50'
		});
		await api.sessions.setStatus({ id: ids[0]!, status: 'completed', scope: 'this' });
		await api.sessions.setStatus({ id: ids[1]!, status: 'no_show', scope: 'this' });
		await api.notes.save({
			sessionId: ids[0]!,
			template: 'free',
			body: 'First meeting',
			baseVersion: 0
		});
		await api.sessions.setPayment({ id: ids[1]!, paymentStatus: 'paid' });

		const page = await api.clients.get({ id });
		expect(page.sessions).toHaveLength(3);
		expect(page.sessions.find((s) => s.id === ids[0])?.noteBody).toBe('First meeting');
		expect(page.owed).toEqual([{ currency: 'EUR', minor: 7550 }]);

		await api.clients.update({
			id,
			name: 'Harper H.',
			email: '',
			phone: '',
			notes: 'n',
			tags: 'A, b,a'
		});
		expect((await api.clients.get({ id })).client).toMatchObject({
			name: 'Harper H.',
			tags: ['a', 'b']
		});

		await api.clients.delete({ id });
		expect(await db.select().from(sessions).where(eq(sessions.clientId, id))).toHaveLength(0);
		expect(
			await db.select().from(sessionNotes).where(eq(sessionNotes.sessionId, ids[0]!))
		).toHaveLength(0);
	});
});

describe('sessions', () => {
	it('rejects an overlapping session with an error naming the clash, but lets a cancelled slot be reused', async () => {
		const { browser } = await signedUpPractitioner(db);
		const api = await browser.api();
		const { id } = await makeClient(api, { name: 'Olive Overlap' });
		const [first] = (await makeSessions(api, id, { date: '2027-01-05', startTime: '09:00' })).ids;
		const clash = await failure(makeSessions(api, id, { date: '2027-01-05', startTime: '09:30' }));
		expect(clash.code).toBe('CONFLICT');
		expect(clash.message).toContain('Olive Overlap');
		expect(clash.message).toContain('Tuesday, 5 January 2027 at 09:00');

		// Back to back is fine: ranges are half-open.
		await makeSessions(api, id, { date: '2027-01-05', startTime: '09:50' });
		await api.sessions.setStatus({ id: first!, status: 'cancelled', scope: 'this' });
		await makeSessions(api, id, { date: '2027-01-05', startTime: '09:00', durationMinutes: 30 });
		// Un-cancelling now clashes, and is refused by the database.
		expect(
			(await failure(api.sessions.setStatus({ id: first!, status: 'scheduled', scope: 'this' })))
				.code
		).toBe('CONFLICT');
	});

	it('refuses Completed, No-show, Finish and signing the note before a session has begun; cancelling stays possible', async () => {
		const { browser } = await signedUpPractitioner(db);
		const api = await browser.api();
		const { id } = await makeClient(api, { name: 'Felix Future' });
		const [ahead, early, later] = (
			await makeSessions(api, id, { date: '2099-03-03', repeat: 'weekly', count: 3 })
		).ids;
		expect((await api.sessions.get({ id: ahead! })).begun).toBe(false);
		for (const status of ['completed', 'no_show'] as const) {
			const refused = await failure(api.sessions.setStatus({ id: ahead!, status, scope: 'this' }));
			expect(refused.code).toBe('BAD_REQUEST');
			expect(refused.message).toContain('has not begun yet');
		}
		expect((await failure(api.sessions.finish({ id: ahead! }))).code).toBe('BAD_REQUEST');
		const { version } = await api.notes.save({
			sessionId: ahead!,
			template: 'free',
			body: 'Plan: breathing exercise',
			baseVersion: 0
		});
		const unsigned = await failure(api.notes.sign({ sessionId: ahead!, version }));
		expect(unsigned.code).toBe('BAD_REQUEST');
		expect(unsigned.message).toContain('sign its note');
		const row = await api.sessions.get({ id: ahead! });
		expect(row.status).toBe('scheduled');
		expect(row.note?.signedAt).toBeNull();

		await api.sessions.setStatus({ id: ahead!, status: 'late_cancelled', scope: 'this' });
		await api.sessions.setStatus({ id: later!, status: 'cancelled', scope: 'this' });
		// Started early in session mode, it has begun.
		await api.sessions.start({ id: early! });
		expect((await api.sessions.get({ id: early! })).begun).toBe(true);
		await api.sessions.finish({ id: early! });
		expect((await api.sessions.get({ id: early! })).status).toBe('completed');
	});

	// Rounds, because two overlapping inserts in flight at once only sometimes deadlock on the
	// exclusion constraint's check (a few in a hundred), and the loser must still hear CONFLICT.
	it('lets exactly one of many concurrent overlapping creations through, round after round', async () => {
		const { browser } = await signedUpPractitioner(db);
		const api = await browser.api();
		const { id } = await makeClient(api);
		const rounds = 25;
		for (let round = 0; round < rounds; round++) {
			const attempts = await Promise.allSettled(
				Array.from({ length: 8 }, (_, i) =>
					makeSessions(api, id, {
						date: `2027-02-${String(round + 1).padStart(2, '0')}`,
						startTime: `10:${String(i * 5).padStart(2, '0')}`
					})
				)
			);
			expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
			const refusals = attempts.flatMap((a) =>
				a.status === 'rejected' ? [(a.reason as TRPCError).code] : []
			);
			expect(refusals).toEqual(Array(7).fill('CONFLICT'));
		}
		const rows = await db.select().from(sessions).where(eq(sessions.clientId, id));
		expect(rows).toHaveLength(rounds);
	});

	it.each([
		['America/New_York', '2027-03-08', '2027-03-14'],
		['Europe/Berlin', '2027-03-22', '2027-03-28']
	])(
		'keeps a weekly 18:00 session at 18:00 local across the DST change in %s',
		async (timeZone, before, change) => {
			const { browser } = await signedUpPractitioner(db);
			const api = await browser.api();
			const { id } = await makeClient(api);
			const { ids } = await makeSessions(api, id, {
				date: before,
				startTime: '18:00',
				timeZone,
				repeat: 'weekly',
				count: 3
			});
			const rows = await db
				.select()
				.from(sessions)
				.where(eq(sessions.clientId, id))
				.orderBy(sessions.startsAt);
			expect(rows.map((r) => r.id)).toEqual(ids);
			expect(rows.map((r) => localTime(r.startsAt, timeZone))).toEqual(['18:00', '18:00', '18:00']);
			// The UTC hour moves by one across the change, which is the point.
			expect(rows[1]!.startsAt.getUTCHours()).toBe(rows[0]!.startsAt.getUTCHours() - 1);
			expect(rows.every((r) => r.endsAt.getTime() - r.startsAt.getTime() === 50 * 60_000)).toBe(
				true
			);
			// The change falls between the first two dates: they sit on either side of it.
			const changeDay = new Date(`${change}T12:00:00Z`).getTime();
			expect(rows[0]!.startsAt.getTime()).toBeLessThan(changeDay);
			expect(rows[1]!.startsAt.getTime()).toBeGreaterThan(changeDay);
		}
	);

	it('repeats every N weeks until a date, and cancels one or all following', async () => {
		const { browser } = await signedUpPractitioner(db);
		const api = await browser.api();
		const { id } = await makeClient(api);
		const { ids } = await makeSessions(api, id, {
			date: '2027-04-05',
			repeat: 'weekly',
			intervalWeeks: 2,
			repeatEnd: 'until',
			until: '2027-05-31'
		});
		const rows = await db
			.select()
			.from(sessions)
			.where(eq(sessions.clientId, id))
			.orderBy(sessions.startsAt);
		expect(rows.map((r) => r.startsAt.toISOString().slice(0, 10))).toEqual([
			'2027-04-05',
			'2027-04-19',
			'2027-05-03',
			'2027-05-17',
			'2027-05-31'
		]);
		await api.sessions.setStatus({ id: ids[1]!, status: 'cancelled', scope: 'this' });
		const { ids: following } = await api.sessions.setStatus({
			id: ids[2]!,
			status: 'late_cancelled',
			scope: 'following'
		});
		expect(following.sort()).toEqual([ids[2], ids[3], ids[4]].sort());
		const statuses = (
			await db.select().from(sessions).where(eq(sessions.clientId, id)).orderBy(sessions.startsAt)
		).map((r) => r.status);
		expect(statuses).toEqual([
			'scheduled',
			'cancelled',
			'late_cancelled',
			'late_cancelled',
			'late_cancelled'
		]);
	});

	it('reschedules one session in its own zone and records payment with a date', async () => {
		const { browser } = await signedUpPractitioner(db);
		const api = await browser.api();
		const { id } = await makeClient(api);
		const [sessionId] = (await makeSessions(api, id)).ids;
		await api.sessions.update({
			id: sessionId!,
			clientId: id,
			date: '2026-12-02',
			startTime: '15:30',
			durationMinutes: 60,
			timeZone: 'Asia/Tokyo',
			locationKind: 'link',
			locationDetail: 'https://meet.example/abc',
			fee: '9000',
			currency: 'JPY'
		});
		const got = await api.sessions.get({ id: sessionId! });
		expect(got.startsAt.toISOString()).toBe('2026-12-02T06:30:00.000Z');
		expect(got).toMatchObject({ feeMinor: 9000, currency: 'JPY', locationKind: 'link' });
		await api.sessions.setPayment({ id: sessionId!, paymentStatus: 'paid', paidOn: '2026-12-03' });
		expect((await api.sessions.get({ id: sessionId! })).paidOn).toBe('2026-12-03');
		await api.sessions.setPayment({ id: sessionId!, paymentStatus: 'waived' });
		expect((await api.sessions.get({ id: sessionId! })).paidOn).toBeNull();
	});
});

describe('notes', () => {
	it('renders markdown with every script stripped', () => {
		const payloads = [
			'<script>alert(1)</script>',
			'<img src=x onerror=alert(1)>',
			'[click](javascript:alert(1))',
			'<a href="javascript:alert(1)">x</a>',
			'<iframe src="https://evil.example"></iframe>',
			'<svg onload=alert(1)>',
			'<div style="background:url(javascript:alert(1))">x</div>',
			'**bold** <b onclick="alert(1)">b</b>'
		];
		for (const payload of payloads) {
			const html = renderNote(payload);
			// A refused javascript: link may stay as its text; no attribute may hold one.
			expect(html).not.toMatch(
				/<script|onerror|onload|onclick|=\s*["']?\s*javascript:|<iframe|<svg|style=/i
			);
		}
		expect(renderNote('**bold** and [a link](https://example.org)')).toBe(
			'<p><strong>bold</strong> and <a href="https://example.org" rel="noopener noreferrer nofollow" target="_blank">a link</a></p>\n'
		);
	});

	it('saves with version checks, locks when signed, and takes dated addenda after that', async () => {
		const { browser } = await signedUpPractitioner(db);
		const api = await browser.api();
		const { id } = await makeClient(api);
		const [sessionId] = (await makeSessions(api, id, { date: '2026-06-01' })).ids;
		const v1 = await api.notes.save({
			sessionId: sessionId!,
			template: 'soap',
			body: '## Subjective\nCalm',
			baseVersion: 0
		});
		expect(v1.version).toBe(1);
		expect(
			(
				await failure(
					api.notes.save({ sessionId: sessionId!, template: 'soap', body: 'stale', baseVersion: 0 })
				)
			).code
		).toBe('CONFLICT');
		const v2 = await api.notes.save({
			sessionId: sessionId!,
			template: 'soap',
			body: '## Subjective\nCalmer',
			baseVersion: 1
		});
		expect(
			(
				await failure(
					api.notes.save({ sessionId: sessionId!, template: 'soap', body: 'stale', baseVersion: 1 })
				)
			).code
		).toBe('CONFLICT');

		expect(
			(await failure(api.notes.addAddendum({ sessionId: sessionId!, body: 'too early' }))).code
		).toBe('BAD_REQUEST');
		await api.notes.sign({ sessionId: sessionId!, version: v2.version });
		const refused = await failure(
			api.notes.save({
				sessionId: sessionId!,
				template: 'soap',
				body: 'changed',
				baseVersion: v2.version
			})
		);
		expect(refused.code).toBe('CONFLICT');
		expect(refused.message).toContain('signed');
		// The database itself refuses, whatever the code does.
		await expect(
			db.update(sessionNotes).set({ body: 'sneaky' }).where(eq(sessionNotes.sessionId, sessionId!))
		).rejects.toThrow();

		await api.notes.addAddendum({ sessionId: sessionId!, body: 'Client called the next day.' });
		const got = await api.sessions.get({ id: sessionId! });
		expect(got.note?.body).toBe('## Subjective\nCalmer');
		expect(got.addenda.map((a) => a.body)).toEqual(['Client called the next day.']);
		expect(got.addenda[0]!.createdAt).toBeInstanceOf(Date);
	});
});

describe('dashboard', () => {
	it('shows the next days, this week’s count, what is owed and recent notes', async () => {
		const { browser } = await signedUpPractitioner(db);
		const api = await browser.api();
		const { id } = await makeClient(api, { name: 'Dash Client' });
		const [today] = await db.execute<{ d: string }>(
			sql`select to_char(now() at time zone 'Europe/Berlin', 'YYYY-MM-DD') as d`
		);
		const { ids } = await makeSessions(api, id, {
			date: today!.d,
			startTime: '23:00',
			durationMinutes: 30,
			fee: '60'
		});
		// Late tonight is still ahead: session mode starts it early, so it can be completed.
		await api.sessions.start({ id: ids[0]! });
		await api.sessions.setStatus({ id: ids[0]!, status: 'completed', scope: 'this' });
		await api.notes.save({
			sessionId: ids[0]!,
			template: 'free',
			body: 'Went well',
			baseVersion: 0
		});
		const summary = await api.dashboard.summary();
		expect(summary.today).toBe(today!.d);
		expect(summary.upcoming.map((s) => s.clientName)).toEqual(['Dash Client']);
		expect(summary.sessionsThisWeek).toBe(1);
		expect(summary.owed).toEqual([{ currency: 'EUR', minor: 6000 }]);
		expect(summary.recentNotes.map((n) => n.body)).toEqual(['Went well']);
	});
});

describe('group dates beside sessions', () => {
	it('shows group dates with places taken in the agenda and the next 7 days, and flags a session booked on top of one', async () => {
		const { browser } = await signedUpPractitioner(db);
		const api = await browser.api();
		const other = await (await signedUpPractitioner(db, 'Other')).browser.api();
		const { id: seriesId, slug } = await publishedSeries(api, { capacity: 8 });
		await signUpAndConfirm(db, slug, 1);
		// The next Tuesday's 18:00–19:00 in Berlin, which is within the next 7 days.
		const [next] = await db
			.select()
			.from(seriesOccurrences)
			.where(
				and(eq(seriesOccurrences.seriesId, seriesId), sql`${seriesOccurrences.startsAt} > now()`)
			)
			.orderBy(asc(seriesOccurrences.startsAt))
			.limit(1);
		const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin' }).format(
			next!.startsAt
		);
		const { id: clientId } = await makeClient(api, { name: 'Clara Clash' });
		const [onTop] = (await makeSessions(api, clientId, { date: day, startTime: '18:30' })).ids;
		const [before] = (await makeSessions(api, clientId, { date: day, startTime: '17:00' })).ids;

		const agenda = await api.sessions.agenda({ date: day, view: 'day' });
		expect(agenda.seriesDates).toEqual([
			expect.objectContaining({
				id: next!.id,
				seriesId,
				title: 'Evening yoga',
				status: 'scheduled',
				placesTaken: 1,
				capacity: 8
			})
		]);
		const clashOf = (id: string) => agenda.sessions.find((s) => s.id === id)?.groupClash;
		expect(clashOf(onTop!)).toEqual({ seriesId, title: 'Evening yoga' });
		// 17:00–17:50 ends before the class starts.
		expect(clashOf(before!)).toBeNull();
		const page = await api.sessions.get({ id: onTop! });
		expect(page.groupClashes.map((c) => [c.title, c.startsAt])).toEqual([
			['Evening yoga', next!.startsAt]
		]);
		expect((await api.sessions.get({ id: before! })).groupClashes).toEqual([]);

		const summary = await api.dashboard.summary();
		expect(summary.upcomingSeriesDates.map((d) => d.id)).toContain(next!.id);
		expect(summary.upcoming.find((s) => s.id === onTop)?.groupClash?.title).toBe('Evening yoga');
		expect((await other.dashboard.summary()).upcomingSeriesDates).toEqual([]);
		expect((await other.sessions.agenda({ date: day, view: 'day' })).seriesDates).toEqual([]);

		// A cancelled date stays in the agenda, marked so, and clashes with nothing.
		await api.series.cancelOccurrence({ occurrenceId: next!.id });
		const after = await api.sessions.agenda({ date: day, view: 'day' });
		expect(after.seriesDates.map((d) => d.status)).toEqual(['cancelled']);
		expect(after.sessions.every((s) => s.groupClash === null)).toBe(true);
		expect((await api.sessions.get({ id: onTop! })).groupClashes).toEqual([]);
	});
});

describe('tenant isolation', () => {
	it('gives another practitioner NOT_FOUND for every procedure, and changes nothing', async () => {
		const owner = await signedUpPractitioner(db, 'Owner');
		const other = await signedUpPractitioner(db, 'Other');
		const mine = await owner.browser.api();
		const theirs = await other.browser.api();
		const { id: clientId } = await makeClient(mine, { name: 'Private Person', tags: 'secret' });
		const [sessionId] = (await makeSessions(mine, clientId, { date: '2027-07-01' })).ids;
		await mine.notes.save({
			sessionId: sessionId!,
			template: 'free',
			body: 'private',
			baseVersion: 0
		});
		const snapshot = async () =>
			JSON.stringify(
				await db.execute(
					sql`select (select json_agg(c order by id) from clients c) as c, (select json_agg(s order by id) from sessions s) as s, (select json_agg(n order by id) from session_notes n) as n`
				)
			);
		const before = await snapshot();
		const s = sessionId!;
		const fields = { name: 'Hacked', email: '', phone: '', notes: '', tags: '' };
		const attempts: [string, () => Promise<unknown>][] = [
			['clients.get', () => theirs.clients.get({ id: clientId })],
			['clients.update', () => theirs.clients.update({ id: clientId, ...fields })],
			['clients.setArchived', () => theirs.clients.setArchived({ id: clientId, archived: true })],
			['clients.delete', () => theirs.clients.delete({ id: clientId })],
			['sessions.create', () => makeSessions(theirs, clientId, { date: '2027-07-02' })],
			['sessions.get', () => theirs.sessions.get({ id: s })],
			[
				'sessions.update',
				() =>
					theirs.sessions.update({
						id: s,
						clientId,
						date: '2027-07-03',
						startTime: '10:00',
						durationMinutes: 50,
						timeZone: 'UTC',
						locationKind: 'in_person',
						locationDetail: '',
						fee: '1',
						currency: 'EUR'
					})
			],
			[
				'sessions.setStatus',
				() => theirs.sessions.setStatus({ id: s, status: 'cancelled', scope: 'following' })
			],
			['sessions.setPayment', () => theirs.sessions.setPayment({ id: s, paymentStatus: 'paid' })],
			['sessions.start', () => theirs.sessions.start({ id: s })],
			['sessions.finish', () => theirs.sessions.finish({ id: s })],
			['sessions.delete', () => theirs.sessions.delete({ id: s })],
			[
				'notes.save',
				() => theirs.notes.save({ sessionId: s, template: 'free', body: 'x', baseVersion: 1 })
			],
			['notes.sign', () => theirs.notes.sign({ sessionId: s, version: 1 })],
			['notes.addAddendum', () => theirs.notes.addAddendum({ sessionId: s, body: 'x' })]
		];
		for (const [name, attempt] of attempts) {
			const error = await failure(attempt());
			expect(`${name}: ${error.code}`).toBe(`${name}: NOT_FOUND`);
		}
		expect((await theirs.clients.list({ q: '', tag: '', show: 'all', limit: 100 })).items).toEqual(
			[]
		);
		expect(
			(await theirs.clients.list({ q: 'private', tag: '', show: 'all', limit: 100 })).items
		).toEqual([]);
		expect(await theirs.clients.tags()).toEqual([]);
		expect(await theirs.sessions.agenda({ date: '2027-06-28', view: 'week' })).toEqual({
			sessions: [],
			seriesDates: []
		});
		const summary = await theirs.dashboard.summary();
		expect(summary.recentNotes).toEqual([]);
		expect(summary.owed).toEqual([]);
		expect(await snapshot()).toBe(before);
		// Even bypassing the code, the database refuses a session whose client is someone else's.
		await expect(
			db.insert(sessions).values({
				ownerId: other.user.id,
				clientId,
				startsAt: new Date('2027-08-01T10:00Z'),
				endsAt: new Date('2027-08-01T11:00Z'),
				timeZone: 'UTC',
				currency: 'EUR'
			})
		).rejects.toThrow();
		expect((await db.select().from(clients).where(eq(clients.id, clientId)))[0]?.name).toBe(
			'Private Person'
		);
	});
});
