import { TRPCError } from '@trpc/server';
import fc from 'fast-check';
import { and, eq, isNotNull, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db';
import { sessions } from '../../src/lib/server/db/schema';
import { previewImport } from '../../src/lib/server/calendar/import-service';
import { pgErrorCode, UNIQUE_VIOLATION } from '../../src/lib/server/pg-errors';
import { signedUpPractitioner } from './support/browser';
import { FIXTURE_YEAR as YEAR, icsFixture } from './support/calendar';
import { useTestDatabase } from './support/database';
import { failure } from './support/errors';
import { makeClient, makeSessions } from './support/practice';

let db: Database;
beforeAll(async () => {
	({ db } = await useTestDatabase());
});

/** A practitioner in Berlin with the clients the fixtures name. */
async function practitioner() {
	const person = await signedUpPractitioner(db);
	const api = await person.browser.api();
	const anna = await makeClient(api, { name: 'Anna Berg', email: 'anna.berg@example.com' });
	const maria = await makeClient(api, { name: 'Maria Lopez' });
	return { ...person, api, anna, maria };
}

type Api = Awaited<ReturnType<typeof practitioner>>['api'];
type Preview = Awaited<ReturnType<Api['calendar']['previewImport']>>;

const iso = (date: Date | null) => date?.toISOString();
const row = (preview: Preview, summary: string) => preview.filter((e) => e.summary === summary);

async function ownImported(ownerId: string) {
	return db
		.select()
		.from(sessions)
		.where(and(eq(sessions.ownerId, ownerId), isNotNull(sessions.icalUid)))
		.orderBy(sessions.startsAt);
}

async function refusal(promise: Promise<unknown>): Promise<TRPCError> {
	const error = await promise.then(
		() => null,
		(e: unknown) => e
	);
	expect(error).toBeInstanceOf(TRPCError);
	return error as TRPCError;
}

describe('importing an .ics file', () => {
	it('expands a Google weekly event less its EXDATE, across the spring change, and guesses clients by attendee and title', async () => {
		const { api, anna, maria } = await practitioner();
		const preview = await api.calendar.previewImport({ ics: icsFixture('google') });

		const weekly = row(preview, 'Therapy');
		expect(weekly.map((e) => iso(e.startsAt))).toEqual([
			`${YEAR}-03-16T09:00:00.000Z`,
			// The last Sunday of March falls between the 25th and the 31st.
			expect.stringMatching(new RegExp(`^${YEAR}-03-30T0[89]:00:00.000Z$`)),
			`${YEAR}-04-06T08:00:00.000Z`
		]);
		expect(weekly.map((e) => iso(e.endsAt))).toContain(`${YEAR}-04-06T08:50:00.000Z`);
		expect(weekly.every((e) => e.timeZone === 'Europe/Berlin' && e.problem === null)).toBe(true);
		expect(weekly.every((e) => e.location === 'Praxis, Hauptstraße 5; 2. OG')).toBe(true);
		expect(weekly.every((e) => e.clientId === anna.id)).toBe(true);

		const [intro] = row(preview, 'Intro call with Maria Lopez');
		expect(iso(intro!.startsAt)).toBe(`${YEAR}-05-05T14:00:00.000Z`);
		expect(intro!.clientId).toBe(maria.id);
		expect(preview.every((e) => !e.alreadyImported && e.overlap === null)).toBe(true);
	});

	it('honours an Apple exception (RECURRENCE-ID), reads a floating time in the practitioner’s zone, and says why an all-day event cannot come in', async () => {
		const { api } = await practitioner();
		const preview = await api.calendar.previewImport({ ics: icsFixture('apple') });

		expect(
			preview
				.filter((e) => e.summary.startsWith('Coaching'))
				.map((e) => [e.summary, iso(e.startsAt), e.timeZone])
		).toEqual([
			['Coaching: Lee', `${YEAR}-06-01T13:00:00.000Z`, 'America/New_York'],
			['Coaching: Lee (moved)', `${YEAR}-06-08T15:00:00.000Z`, 'America/New_York'],
			['Coaching: Lee', `${YEAR}-06-15T13:00:00.000Z`, 'America/New_York']
		]);
		const [floating] = row(preview, 'Early session');
		expect([iso(floating!.startsAt), floating!.timeZone]).toEqual([
			`${YEAR}-07-01T06:00:00.000Z`,
			'Europe/Berlin'
		]);
		const [holiday] = row(preview, 'Holiday');
		expect(holiday!.problem).toBe('An all-day event cannot become a session.');
	});

	it('reads an Outlook time in a Windows-named zone through the file’s VTIMEZONE, and lists a cancelled event as such', async () => {
		const { api } = await practitioner();
		const preview = await api.calendar.previewImport({ ics: icsFixture('outlook') });
		const [massage] = row(preview, 'Massage – Kim');
		expect([iso(massage!.startsAt), iso(massage!.endsAt), massage!.timeZone]).toEqual([
			`${YEAR}-05-10T07:00:00.000Z`,
			`${YEAR}-05-10T08:00:00.000Z`,
			'Europe/Berlin'
		]);
		const [cancelled] = row(preview, 'Canceled: Massage – Kim');
		expect(cancelled!.problem).toBe('It is cancelled in the calendar.');
	});

	it('creates the chosen events as sessions, and a second import of the same file creates nothing', async () => {
		const { api, user, anna, maria } = await practitioner();
		const ics = icsFixture('google');
		const preview = await api.calendar.previewImport({ ics });
		const choices = preview.map((e) => ({ key: e.key, clientId: e.clientId! }));

		const first = await api.calendar.importEvents({ ics, choices });
		expect(first).toMatchObject({ alreadyImported: 0 });
		expect(first.ids).toHaveLength(4);
		const created = await ownImported(user.id);
		expect(
			created.map((s) => [iso(s.startsAt), s.clientId, s.timeZone, s.locationKind, s.currency])
		).toEqual([
			[`${YEAR}-03-16T09:00:00.000Z`, anna.id, 'Europe/Berlin', 'in_person', 'EUR'],
			[expect.any(String), anna.id, 'Europe/Berlin', 'in_person', 'EUR'],
			[`${YEAR}-04-06T08:00:00.000Z`, anna.id, 'Europe/Berlin', 'in_person', 'EUR'],
			[`${YEAR}-05-05T14:00:00.000Z`, maria.id, 'Europe/Berlin', 'link', 'EUR']
		]);

		const again = await api.calendar.previewImport({ ics });
		expect(again.every((e) => e.alreadyImported)).toBe(true);
		const second = await api.calendar.importEvents({ ics, choices });
		expect(second).toEqual({ ids: [], alreadyImported: 4 });
		expect(await ownImported(user.id)).toHaveLength(4);
	});

	it('takes one client named in two cases as one client', async () => {
		const { api, user, anna } = await practitioner();
		const ics = icsFixture('google');
		const therapy = row(await api.calendar.previewImport({ ics }), 'Therapy');
		const choices = therapy.map((e, i) => ({
			key: e.key,
			clientId: i === 0 ? anna.id.toUpperCase() : anna.id
		}));

		const outcome = await api.calendar.importEvents({ ics, choices });
		expect(outcome.ids).toHaveLength(therapy.length);
		const created = await ownImported(user.id);
		expect(created.map((s) => s.clientId)).toEqual(therapy.map(() => anna.id));
	});

	it('refuses the whole import when an event overlaps a session, names it, and creates nothing', async () => {
		const { api, user, anna } = await practitioner();
		const other = await makeClient(api, { name: 'Chris Doe' });
		await makeSessions(api, other.id, {
			date: `${YEAR}-04-06`,
			startTime: '10:30',
			durationMinutes: 60
		});
		const ics = icsFixture('google');
		const preview = await api.calendar.previewImport({ ics });
		const clashing = preview.find((e) => iso(e.startsAt) === `${YEAR}-04-06T08:00:00.000Z`)!;
		expect(clashing.overlap).toMatch(/^Overlaps your session with Chris Doe on /);
		expect(preview.filter((e) => e.overlap !== null)).toHaveLength(1);

		const error = await refusal(
			api.calendar.importEvents({
				ics,
				choices: preview.map((e) => ({ key: e.key, clientId: anna.id }))
			})
		);
		expect(error.code).toBe('CONFLICT');
		expect(error.message).toMatch(
			/^Nothing was imported\. One event overlaps: “Therapy” on .* Chris Doe\.$/
		);
		expect(await ownImported(user.id)).toEqual([]);
	});

	it('refuses chosen events that overlap each other', async () => {
		const { api, user, anna } = await practitioner();
		const ics = icsFixture('google')
			.replace('DTSTART:' + YEAR + '0505T140000Z', `DTSTART;TZID=Europe/Berlin:${YEAR}0316T103000`)
			.replace('DTEND:' + YEAR + '0505T143000Z', `DTEND;TZID=Europe/Berlin:${YEAR}0316T113000`);
		const preview = await api.calendar.previewImport({ ics });
		const error = await refusal(
			api.calendar.importEvents({
				ics,
				choices: preview.map((e) => ({ key: e.key, clientId: anna.id }))
			})
		);
		expect(error.code).toBe('CONFLICT');
		expect(error.message).toContain('overlaps “Therapy”');
		expect(await ownImported(user.id)).toEqual([]);
	});

	it('refuses another practitioner’s client, an event not in the file, and a file that is no calendar', async () => {
		const { api, user } = await practitioner();
		const stranger = await practitioner();
		const ics = icsFixture('outlook');
		const [massage] = row(await api.calendar.previewImport({ ics }), 'Massage – Kim');

		const foreign = await refusal(
			api.calendar.importEvents({
				ics,
				choices: [{ key: massage!.key, clientId: stranger.anna.id }]
			})
		);
		expect(foreign.code).toBe('NOT_FOUND');
		const missing = await refusal(
			api.calendar.importEvents({
				ics,
				choices: [{ key: '["nope",null]', clientId: stranger.anna.id }]
			})
		);
		expect(missing.code).toBe('BAD_REQUEST');
		for (const junk of [
			'hello',
			'BEGIN:VCARD\r\nEND:VCARD\r\n',
			'BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n'
		]) {
			expect((await refusal(api.calendar.previewImport({ ics: junk }))).code).toBe('BAD_REQUEST');
		}
		expect(await ownImported(user.id)).toEqual([]);
		expect(await ownImported(stranger.user.id)).toEqual([]);
	});

	it('expands a rule without end only from a year back to two years ahead', async () => {
		const { api } = await practitioner();
		const ics = [
			'BEGIN:VCALENDAR',
			'VERSION:2.0',
			'PRODID:-//test//EN',
			'BEGIN:VEVENT',
			'UID:forever@example.com',
			'DTSTAMP:20200101T000000Z',
			'DTSTART;TZID=Europe/Berlin:20200106T090000',
			'DTEND;TZID=Europe/Berlin:20200106T100000',
			'RRULE:FREQ=WEEKLY',
			'SUMMARY:Forever',
			'END:VEVENT',
			'END:VCALENDAR',
			''
		].join('\r\n');
		const preview = await api.calendar.previewImport({ ics });
		const now = Date.now();
		expect(preview.length).toBeGreaterThanOrEqual(155);
		expect(preview.length).toBeLessThanOrEqual(158);
		expect(preview[0]!.startsAt!.getTime()).toBeGreaterThan(now - 367 * 86_400_000);
		expect(preview.at(-1)!.startsAt!.getTime()).toBeLessThan(now + 732 * 86_400_000);
	});

	it('has the database refuse a second session from the same event date', async () => {
		const { api, user, anna } = await practitioner();
		const ics = icsFixture('outlook');
		const [massage] = row(await api.calendar.previewImport({ ics }), 'Massage – Kim');
		await api.calendar.importEvents({ ics, choices: [{ key: massage!.key, clientId: anna.id }] });
		const [copy] = await ownImported(user.id);
		const insertAgain = db.execute(sql`
			insert into sessions (owner_id, client_id, starts_at, ends_at, time_zone, currency, status, ical_uid)
			values (${user.id}, ${anna.id}, ${copy!.startsAt.toISOString()}::timestamptz + interval '1 day',
				${copy!.endsAt.toISOString()}::timestamptz + interval '1 day', 'UTC', 'EUR', 'scheduled', ${copy!.icalUid})`);
		expect(await insertAgain.then(() => null, pgErrorCode)).toBe(UNIQUE_VIOLATION);
	});
});

describe('a damaged or hostile calendar file', () => {
	it('is read or refused as unreadable, never a failure of ours', async () => {
		// Through the service: a practitioner may read only so many files an hour.
		const { user } = await practitioner();
		const lines = [icsFixture('google'), icsFixture('apple'), icsFixture('outlook')].map((ics) =>
			ics.split('\r\n')
		);
		const garbled = fc
			.tuple(
				fc.constantFrom(...lines),
				fc.array(
					fc.record({
						at: fc.nat(),
						action: fc.constantFrom('drop', 'repeat', 'replace'),
						text: fc.oneof(
							fc.string(),
							fc.constantFrom(
								'RRULE:FREQ=SECONDLY',
								'RRULE:FREQ=DAILY;COUNT=100000',
								'EXDATE:garbage',
								'DTSTART;TZID=Mars/Olympus:20270101T100000',
								'DTSTART:99991231T235959Z',
								'DTEND:00010101T000000',
								'BEGIN:VEVENT',
								'END:VCALENDAR',
								'RECURRENCE-ID:20270316T090000Z',
								'UID:' + 'x'.repeat(600)
							)
						)
					}),
					{ minLength: 1, maxLength: 4 }
				)
			)
			.map(([original, edits]) => {
				const edited = [...original];
				for (const { at, action, text } of edits) {
					const i = at % edited.length;
					if (action === 'drop') edited.splice(i, 1);
					else if (action === 'repeat') edited.splice(i, 0, edited[i]!);
					else edited[i] = text;
				}
				return edited.join('\r\n');
			});
		await fc.assert(
			fc.asyncProperty(garbled, async (ics) => {
				try {
					await previewImport(db, user, ics);
				} catch (error) {
					if (!(error instanceof TRPCError) || error.code !== 'BAD_REQUEST') throw error;
				}
			}),
			{ numRuns: 60 }
		);
	});

	it('is read at most 20 times an hour for one practitioner, to preview or to import', async () => {
		const { api, anna } = await practitioner();
		const other = await practitioner();
		const ics = icsFixture('google');
		for (let i = 0; i < 19; i++) await api.calendar.previewImport({ ics });
		const [first] = await api.calendar.previewImport({ ics });
		await expect(
			api.calendar.importEvents({ ics, choices: [{ key: first!.key, clientId: anna.id }] })
		).rejects.toMatchObject({ code: 'TOO_MANY_REQUESTS' });
		const refusal = await failure(api.calendar.previewImport({ ics }));
		expect(refusal).toMatchObject({ code: 'TOO_MANY_REQUESTS' });
		expect(refusal.message).toMatch(/^Too many attempts\. Please try again in \d+ minutes\.$/);
		await expect(other.api.calendar.previewImport({ ics })).resolves.toBeTruthy();
	});

	it('says so when a rule repeats too often to reach the window, rather than leaving it out', async () => {
		const { api } = await practitioner();
		const ics = icsFixture('outlook')
			.replace(
				`DTSTART;TZID="W. Europe Standard Time":${YEAR}0510T090000`,
				'DTSTART:20000101T090000Z'
			)
			.replace(`DTEND;TZID="W. Europe Standard Time":${YEAR}0510T100000`, 'DTEND:20000101T091000Z')
			.replace('LOCATION:Room 3', 'LOCATION:Room 3\r\nRRULE:FREQ=HOURLY');
		const [massage] = row(await api.calendar.previewImport({ ics }), 'Massage – Kim');
		expect(massage!.problem).toBe('It repeats too often to import.');
	});

	it('reads a zone whose description changes every second with our zone data, or as one we do not know', async () => {
		const { api } = await practitioner();
		const everySecond = 'RRULE:FREQ=SECONDLY';
		const google = await api.calendar.previewImport({
			ics: icsFixture('google').replace('RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU', everySecond)
		});
		expect(iso(row(google, 'Therapy')[0]!.startsAt)).toBe(`${YEAR}-03-16T09:00:00.000Z`);
		const outlook = await api.calendar.previewImport({
			ics: icsFixture('outlook').replace('RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10', everySecond)
		});
		expect(row(outlook, 'Massage – Kim')[0]!.problem).toBe(
			'Its time zone “W. Europe Standard Time” is not one we know.'
		);
	});

	it('flags the rules past the file’s budget of steps as repeating too often, and reads the rest', async () => {
		const { api } = await practitioner();
		// Each rule stays within its own limit; together they pass the file's.
		const longAgo = Array.from({ length: 10 }, (_, i) => [
			'BEGIN:VEVENT',
			`UID:daily-${i}@example.com`,
			'DTSTART:19500101T090000Z',
			'DTEND:19500101T100000Z',
			'RRULE:FREQ=DAILY;COUNT=15000',
			`SUMMARY:Long ago ${i}`,
			'END:VEVENT'
		]);
		const ics = icsFixture('outlook').replace(
			'END:VCALENDAR',
			[...longAgo.flat(), 'END:VCALENDAR'].join('\r\n')
		);
		const preview = await api.calendar.previewImport({ ics });
		const flagged = preview.filter((e) => e.problem === 'It repeats too often to import.');
		expect(flagged.map((e) => e.summary)).toContain('Long ago 9');
		expect(flagged.map((e) => e.summary)).not.toContain('Long ago 0');
		expect(row(preview, 'Massage – Kim')[0]!.problem).toBeNull();
	});

	it('refuses in a few seconds a file with a rule that looks for its dates forever', async () => {
		const { api } = await practitioner();
		const ics = icsFixture('outlook').replace(
			'LOCATION:Room 3',
			'LOCATION:Room 3\r\nRRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30'
		);
		const error = await refusal(api.calendar.previewImport({ ics }));
		expect([error.code, error.message]).toEqual([
			'BAD_REQUEST',
			'This file takes too long to read. Export a shorter span of the calendar and try again.'
		]);
	});

	it('stops a rule that repeats every second long before it ends', async () => {
		const { api } = await practitioner();
		const ics = icsFixture('outlook').replace(
			'LOCATION:Room 3',
			'LOCATION:Room 3\r\nRRULE:FREQ=SECONDLY'
		);
		const started = Date.now();
		const error = await refusal(api.calendar.previewImport({ ics }));
		expect(error.code).toBe('BAD_REQUEST');
		expect(Date.now() - started).toBeLessThan(5000);
	});
});
