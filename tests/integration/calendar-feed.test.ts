import { sql } from 'drizzle-orm';
import ICAL from 'ical.js';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db';
import { signedUpPractitioner } from './support/browser';
import { fetchFeed, parseCalendar, tokenOf } from './support/calendar';
import { useTestDatabase } from './support/database';
import { makeClient, makeSessions } from './support/practice';
import { publishedSeries } from './support/series';

let db: Database;
beforeAll(async () => {
	({ db } = await useTestDatabase());
});

/** Next year: inside the feed's span whenever the test runs, with a spring change in Berlin. */
const YEAR = new Date().getUTCFullYear() + 1;
const TODAY = new Date().toISOString().slice(0, 10);

async function practitionerWithFeed(name = 'Robin Therapist') {
	const person = await signedUpPractitioner(db, name);
	const api = await person.browser.api();
	const { url } = await api.calendar.issueFeed();
	return { ...person, api, token: tokenOf(url), url };
}

async function feedOf(token: string) {
	const answer = await fetchFeed(token);
	expect(answer.status).toBe(200);
	return { ...answer, ...parseCalendar(answer.body) };
}

const byUid = (events: ICAL.Component[], id: string) =>
	events.find((event) => String(event.getFirstPropertyValue('uid')).includes(id));

describe('the calendar feed', () => {
	it('is a calendar whose every event has a UID, a DTSTAMP and zoned times with their VTIMEZONE, right across a DST change', async () => {
		const { api, token } = await practitionerWithFeed();
		const client = await makeClient(api, { name: 'Ana María López' });
		const [beforeChange] = (await makeSessions(api, client.id, { date: `${YEAR}-03-22` })).ids;
		const [afterChange] = (await makeSessions(api, client.id, { date: `${YEAR}-04-05` })).ids;
		const [newYork] = (
			await makeSessions(api, client.id, {
				date: `${YEAR}-03-16`,
				startTime: '09:30',
				timeZone: 'America/New_York'
			})
		).ids;
		const series = await publishedSeries(api, {
			title: 'Evening yoga',
			startDate: `${YEAR}-03-01`
		});

		const feed = await feedOf(token);
		expect(feed.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
		expect(feed.headers.get('cache-control')).toMatch(/^private/);
		const zones = feed.calendar
			.getAllSubcomponents('vtimezone')
			.map((zone) => zone.getFirstPropertyValue('tzid'));
		expect(zones.sort()).toEqual(['America/New_York', 'Europe/Berlin']);
		for (const event of feed.events) {
			expect(event.getFirstPropertyValue('uid')).toBeTruthy();
			expect(event.getFirstPropertyValue('dtstamp')).toBeInstanceOf(ICAL.Time);
			for (const name of ['dtstart', 'dtend']) {
				const tzid = event.getFirstProperty(name)!.getParameter('tzid');
				expect(zones).toContain(tzid);
			}
		}
		const startOf = (id: string) =>
			new ICAL.Event(byUid(feed.events, id)).startDate.toJSDate().toISOString();
		expect(startOf(beforeChange!)).toBe(`${YEAR}-03-22T09:00:00.000Z`);
		expect(startOf(afterChange!)).toBe(`${YEAR}-04-05T08:00:00.000Z`);
		expect(startOf(newYork!)).toBe(`${YEAR}-03-16T13:30:00.000Z`);
		const { occurrences } = await api.series.get({ id: series.id });
		expect(occurrences.length).toBeGreaterThan(0);
		for (const occurrence of occurrences) {
			expect(startOf(occurrence.id)).toBe(occurrence.startsAt.toISOString());
		}
		expect(new Set(feed.events.map((e) => e.getFirstPropertyValue('uid'))).size).toBe(
			feed.events.length
		);
	});

	it('bumps SEQUENCE (and DTSTAMP) when an event changes, for whatever reason, and only then', async () => {
		const { api, token } = await practitionerWithFeed();
		const client = await makeClient(api, { name: 'Jo Park' });
		const [id] = (await makeSessions(api, client.id, { date: `${YEAR}-05-04` })).ids;
		const sequence = async () =>
			Number(byUid((await feedOf(token)).events, id!)!.getFirstPropertyValue('sequence'));

		expect(await sequence()).toBe(0);
		expect(await sequence()).toBe(0);
		const session = await api.sessions.get({ id: id! });
		await api.sessions.update({
			id: id!,
			clientId: client.id,
			date: `${YEAR}-05-04`,
			startTime: '11:00',
			durationMinutes: 50,
			timeZone: 'Europe/Berlin',
			locationKind: 'in_person',
			locationDetail: session.locationDetail,
			fee: '80',
			currency: 'EUR'
		});
		expect(await sequence()).toBe(1);
		await api.clients.update({
			id: client.id,
			name: 'Sam Lee',
			email: '',
			phone: '',
			notes: '',
			tags: ''
		});
		expect(await sequence()).toBe(2);
		await api.calendar.setFeedNames({ showFullNames: true });
		expect(await sequence()).toBe(3);
		expect(await sequence()).toBe(3);
	});

	it('keeps the SEQUENCE of an event that leaves and comes back, and forgets events gone for longer than it looks back', async () => {
		const { api, token, user } = await practitionerWithFeed();
		const client = await makeClient(api, { name: 'Jo Park' });
		const [moving] = (await makeSessions(api, client.id, { date: `${YEAR}-05-04` })).ids;
		const [deleted] = (await makeSessions(api, client.id, { date: `${YEAR}-05-05` })).ids;
		const moveTo = (date: string, startTime: string) =>
			api.sessions.update({
				id: moving!,
				clientId: client.id,
				date,
				startTime,
				durationMinutes: 50,
				timeZone: 'Europe/Berlin',
				locationKind: 'in_person',
				locationDetail: '',
				fee: '80',
				currency: 'EUR'
			});
		const sequence = async () =>
			byUid((await feedOf(token)).events, moving!)?.getFirstPropertyValue('sequence');
		const stored = async () =>
			(
				await db.execute<{ uid: string }>(
					sql`select uid from calendar_feed_events where owner_id = ${user.id} order by uid`
				)
			).map((row) => row.uid.split('@')[0]);

		expect(await sequence()).toBe(0);
		await moveTo(`${YEAR}-05-04`, '11:00');
		expect(await sequence()).toBe(1);
		// Beyond the two years ahead the feed reaches, and back.
		await moveTo(`${YEAR + 3}-05-04`, '11:00');
		expect(await sequence()).toBeUndefined();
		await moveTo(`${YEAR}-05-04`, '11:00');
		expect(await sequence()).toBe(2);

		await api.sessions.delete({ id: deleted! });
		await feedOf(token);
		expect(await stored()).toEqual([`session-${deleted}`, `session-${moving}`].sort());
		// Gone a day less than the feed looks back: kept; a day more: forgotten.
		const goneFor = (days: number) =>
			db.execute(sql`update calendar_feed_events set changed_at = now() - make_interval(days => ${days})
				where owner_id = ${user.id} and uid = ${`session-${deleted}@sessionboard`}`);
		await goneFor(91);
		await feedOf(token);
		expect(await stored()).toHaveLength(2);
		await goneFor(93);
		await feedOf(token);
		expect(await stored()).toEqual([`session-${moving}`]);

		// With nothing left in the feed, too.
		await api.sessions.delete({ id: moving! });
		await feedOf(token);
		await db.execute(
			sql`update calendar_feed_events set changed_at = now() - interval '93 days' where owner_id = ${user.id}`
		);
		await feedOf(token);
		expect(await stored()).toEqual([]);
	});

	it('marks cancelled sessions and cancelled series dates STATUS:CANCELLED', async () => {
		const { api, token } = await practitionerWithFeed();
		const client = await makeClient(api);
		const [kept, cancelled, late] = (
			await makeSessions(api, client.id, { date: `${YEAR}-06-01`, repeat: 'weekly', count: 3 })
		).ids;
		await api.sessions.setStatus({ id: cancelled!, status: 'cancelled', scope: 'this' });
		await api.sessions.setStatus({ id: late!, status: 'late_cancelled', scope: 'this' });
		const series = await publishedSeries(api, { startDate: TODAY });
		const { occurrences } = await api.series.get({ id: series.id });
		await api.series.cancelOccurrence({ occurrenceId: occurrences[0]!.id });

		const { events } = await feedOf(token);
		const status = (id: string) => byUid(events, id)!.getFirstPropertyValue('status');
		expect(status(kept!)).toBe('CONFIRMED');
		expect(status(cancelled!)).toBe('CANCELLED');
		expect(status(late!)).toBe('CANCELLED');
		expect(status(occurrences[0]!.id)).toBe('CANCELLED');
		expect(status(occurrences[1]!.id)).toBe('CONFIRMED');
	});

	it('escapes commas, semicolons, backslashes and line breaks, and folds at 75 octets without splitting a character', async () => {
		const { api, token } = await practitionerWithFeed();
		const name = 'Zoë, the; “Ünïcödé” \\ Ñame 東京';
		const client = await makeClient(api, { name });
		const location = 'Praxis; Hauptstraße 5, 50667 Köln\nHinterhaus, 2. OG 🧘 東京 '
			.repeat(4)
			.trim();
		const [id] = (
			await makeSessions(api, client.id, { date: `${YEAR}-07-01`, locationDetail: location })
		).ids;
		await api.calendar.setFeedNames({ showFullNames: true });

		const { body, events } = await feedOf(token);
		const lines = body.split('\r\n');
		expect(lines.pop()).toBe('');
		for (const line of lines) {
			expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
			expect(line).not.toMatch(/[\r\n]/);
			expect(Buffer.from(line).toString()).not.toContain('\ufffd');
		}
		const event = byUid(events, id!)!;
		expect(event.getFirstPropertyValue('summary')).toBe(`Session with ${name}`);
		expect(event.getFirstPropertyValue('location')).toBe(location);
		// ical.js reads an unescaped comma or semicolon in these properties leniently: the written
		// form is checked as well, unfolded.
		const unfolded = body.replace(/\r\n /g, '');
		expect(unfolded).toContain('SUMMARY:Session with Zoë\\, the\\; “Ünïcödé” \\\\ Ñame 東京\r\n');
		expect(unfolded).toContain(
			'LOCATION:Praxis\\; Hauptstraße 5\\, 50667 Köln\\nHinterhaus\\, 2. OG'
		);
		// Folded lines exist, each one starting with the space that continues the one before.
		expect(lines.some((line) => line.startsWith(' '))).toBe(true);
	});

	it('names clients by initials unless the practitioner turns full names on', async () => {
		const { api, token } = await practitionerWithFeed();
		const client = await makeClient(api, { name: 'Ana María López-Ruiz' });
		const [id] = (await makeSessions(api, client.id, { date: `${YEAR}-08-03` })).ids;
		const summary = async () =>
			byUid((await feedOf(token)).events, id!)!.getFirstPropertyValue('summary');

		expect(await summary()).toBe('Session with A.M.L.R.');
		expect((await fetchFeed(token)).body).not.toContain('López');
		await api.calendar.setFeedNames({ showFullNames: true });
		expect(await summary()).toBe('Session with Ana María López-Ruiz');
		expect(await api.calendar.feedSettings()).toMatchObject({ showFullNames: true });
	});

	it('answers If-None-Match with 304 while nothing changed, and with the new feed after a change', async () => {
		const { api, token } = await practitionerWithFeed();
		const client = await makeClient(api);
		await makeSessions(api, client.id, { date: `${YEAR}-09-07` });
		const first = await fetchFeed(token);
		const etag = first.headers.get('etag')!;
		expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
		expect((await fetchFeed(token)).headers.get('etag')).toBe(etag);

		const unchanged = await fetchFeed(token, { 'if-none-match': `"other", W/${etag}` });
		expect(unchanged.status).toBe(304);
		expect(unchanged.body).toBe('');
		expect(unchanged.headers.get('etag')).toBe(etag);

		await makeSessions(api, client.id, { date: `${YEAR}-09-08` });
		const changed = await fetchFeed(token, { 'if-none-match': etag });
		expect(changed.status).toBe(200);
		expect(changed.headers.get('etag')).not.toBe(etag);
		expect(parseCalendar(changed.body).events).toHaveLength(2);
	});

	it('gives a new address on rotation and refuses the old one at once', async () => {
		const { api, token } = await practitionerWithFeed();
		expect((await fetchFeed(token)).status).toBe(200);
		const { url } = await api.calendar.issueFeed();
		const rotated = tokenOf(url);
		expect(rotated).not.toBe(token);
		expect((await fetchFeed(token)).status).toBe(404);
		expect((await fetchFeed(rotated)).status).toBe(200);
	});

	it('answers any other token with the same bare 404', async () => {
		const { token } = await practitionerWithFeed();
		const unknown = 'a'.repeat(32);
		const answers = await Promise.all(
			[unknown, token.toUpperCase(), `${token}x`, token.slice(1), "' or 1=1 --", ''].map((t) =>
				fetchFeed(t)
			)
		);
		expect(answers.map((a) => a.status)).toEqual([404, 404, 404, 404, 404, 404]);
		expect(new Set(answers.map((a) => a.body)).size).toBe(1);
	});

	it('keeps the token only as a hash: no form of it is stored anywhere', async () => {
		const { token, user } = await practitionerWithFeed();
		const [feed] = await db.execute<{ token_hash: string }>(
			sql`select token_hash from calendar_feeds where owner_id = ${user.id}`
		);
		expect(feed!.token_hash).toMatch(/^[0-9a-f]{64}$/);
		const decoded = Buffer.from(token.toUpperCase()).toString('hex');
		const tables = await db.execute<{ name: string }>(sql`
			select table_name as name from information_schema.tables
			where table_schema = 'public' and table_type = 'BASE TABLE'`);
		for (const { name } of tables) {
			const rows = await db.execute<{ row: string }>(
				sql`select row_to_json(t)::text as row from ${sql.identifier(name)} t`
			);
			for (const { row } of rows) {
				expect([name, row.toLowerCase().includes(token)]).toEqual([name, false]);
				expect([name, row.includes(decoded)]).toEqual([name, false]);
			}
		}
	});

	it('never shows another practitioner’s sessions or series', async () => {
		const mine = await practitionerWithFeed('First');
		const theirs = await practitionerWithFeed('Second');
		await makeSessions(mine.api, (await makeClient(mine.api)).id, { date: `${YEAR}-10-05` });
		const theirClient = await makeClient(theirs.api, { name: 'Their Client' });
		const [theirSession] = (
			await makeSessions(theirs.api, theirClient.id, { date: `${YEAR}-10-06` })
		).ids;
		const theirSeries = await publishedSeries(theirs.api, { title: 'Their yoga' });
		await theirs.api.calendar.setFeedNames({ showFullNames: true });

		const { body, events } = await feedOf(mine.token);
		expect(events).toHaveLength(1);
		expect(body).not.toContain(theirSession!);
		expect(body).not.toContain('Their');
		const theirFeed = await feedOf(theirs.token);
		expect(theirFeed.body).toContain('Their Client');
		expect(theirFeed.body).toContain('Their yoga');
		expect(theirFeed.body).not.toContain(theirSeries.id);
	});
});
