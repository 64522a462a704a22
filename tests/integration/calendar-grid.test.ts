import { beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import type { Database } from '../../src/lib/server/db';
import { sessions } from '../../src/lib/server/db/schema';
import { signedUpPractitioner } from './support/browser';
import { useTestDatabase } from './support/database';
import { failure } from './support/errors';
import { makeClient, makeSessions } from './support/practice';
import { publishedSeries } from './support/series';

let db: Database;
beforeAll(async () => {
	({ db } = await useTestDatabase());
});

/** Next year: always still to come, so every session can move. */
const YEAR = new Date().getUTCFullYear() + 1;
const MONDAY = (() => {
	const first = new Date(Date.UTC(YEAR, 5, 1));
	first.setUTCDate(1 + ((8 - first.getUTCDay()) % 7));
	return first.toISOString().slice(0, 10);
})();
const day = (offset: number, from = MONDAY) =>
	new Date(Date.parse(`${from}T00:00:00Z`) + offset * 86_400_000).toISOString().slice(0, 10);
/** A Monday two to three weeks ahead: within the span series dates are made for. */
const SOON = (() => {
	const soon = new Date(Date.now() + 14 * 86_400_000);
	soon.setUTCDate(soon.getUTCDate() + ((8 - soon.getUTCDay()) % 7));
	return soon.toISOString().slice(0, 10);
})();
const berlinClock = (instant: Date) =>
	new Intl.DateTimeFormat('en-GB', {
		timeZone: 'Europe/Berlin',
		hour: '2-digit',
		minute: '2-digit'
	}).format(instant);

async function practitioner(name = 'Robin Therapist') {
	const person = await signedUpPractitioner(db, name);
	return { ...person, api: await person.browser.api() };
}

describe('the calendar range', () => {
	it('holds the practitioner’s sessions and group dates with places taken, and nobody else’s', async () => {
		const { api } = await practitioner();
		const client = await makeClient(api, { name: 'Ana López' });
		const [mine] = (await makeSessions(api, client.id, { date: day(1, SOON), startTime: '10:00' }))
			.ids;
		// Tuesdays at 18:00 in Berlin: the series meets on day(1, SOON) of the week.
		const series = await publishedSeries(api, { title: 'Evening yoga', startDate: SOON });

		const other = await practitioner('Sam Other');
		const theirClient = await makeClient(other.api, { name: 'Not Yours' });
		const [theirs] = (
			await makeSessions(other.api, theirClient.id, { date: day(1, SOON), startTime: '12:00' })
		).ids;
		const theirSeries = await publishedSeries(other.api, {
			title: 'Their yoga',
			startDate: SOON
		});

		const week = await api.calendarGrid.range({ from: SOON, days: 7 });
		expect(week.sessions.map((s) => s.id)).toEqual([mine]);
		expect(week.sessions[0]).toMatchObject({ clientName: 'Ana López', status: 'scheduled' });
		expect(week.seriesDates.map((d) => d.seriesId)).toEqual([series.id]);
		expect(week.seriesDates[0]).toMatchObject({ placesTaken: 0, capacity: 20 });
		expect(berlinClock(week.seriesDates[0]!.startsAt)).toBe('18:00');

		const theirWeek = await other.api.calendarGrid.range({ from: SOON, days: 7 });
		expect(theirWeek.sessions.map((s) => s.id)).toEqual([theirs]);
		expect(theirWeek.seriesDates.map((d) => d.seriesId)).toEqual([theirSeries.id]);

		// Local days in the practitioner's zone: Monday alone holds neither.
		const monday = await api.calendarGrid.range({ from: SOON, days: 1 });
		expect(monday.sessions).toEqual([]);
		expect(monday.seriesDates).toEqual([]);
	});

	it('refuses a span longer than six weeks, an empty one, and dates that are not dates', async () => {
		const { api } = await practitioner();
		for (const input of [
			{ from: SOON, days: 43 },
			{ from: SOON, days: 0 },
			{ from: `${YEAR}-02-30`, days: 7 },
			{ from: 'tomorrow', days: 7 },
			{ from: SOON, days: 1.5 }
		]) {
			expect((await failure(api.calendarGrid.range(input))).code, JSON.stringify(input)).toBe(
				'BAD_REQUEST'
			);
		}
		await expect(api.calendarGrid.range({ from: SOON, days: 42 })).resolves.toBeTruthy();
	});
});

describe('moving a session', () => {
	it('moves it to the new local start in the practitioner’s zone, keeping its length, fee and place', async () => {
		const { api } = await practitioner();
		const client = await makeClient(api);
		const [id] = (
			await makeSessions(api, client.id, {
				date: day(1),
				startTime: '10:00',
				durationMinutes: 75,
				fee: '95.50',
				locationKind: 'phone'
			})
		).ids;
		await api.calendarGrid.move({ id: id!, date: day(3), startTime: '14:15' });
		const moved = await api.sessions.get({ id: id! });
		expect(moved.startsAt.toISOString()).toBe(`${day(3)}T12:15:00.000Z`);
		expect(moved.endsAt.toISOString()).toBe(`${day(3)}T13:30:00.000Z`);
		expect(moved).toMatchObject({
			feeMinor: 9550,
			locationKind: 'phone',
			timeZone: 'Europe/Berlin'
		});
	});

	it('keeps a session’s own zone: placed by the instant the practitioner dropped it on', async () => {
		const { api } = await practitioner();
		const client = await makeClient(api);
		const [id] = (
			await makeSessions(api, client.id, {
				date: day(1),
				startTime: '09:00',
				timeZone: 'America/New_York'
			})
		).ids;
		// 16:00 in Berlin is 10:00 in New York in June.
		await api.calendarGrid.move({ id: id!, date: day(2), startTime: '16:00' });
		const moved = await api.sessions.get({ id: id! });
		expect(moved.timeZone).toBe('America/New_York');
		expect(moved.startsAt.toISOString()).toBe(`${day(2)}T14:00:00.000Z`);
	});

	it('onto another session is refused with the session it would overlap, and nothing changes', async () => {
		const { api } = await practitioner();
		const client = await makeClient(api, { name: 'Jamie Client' });
		const other = await makeClient(api, { name: 'Kim Busy' });
		const [id] = (await makeSessions(api, client.id, { date: day(1), startTime: '10:00' })).ids;
		await makeSessions(api, other.id, { date: day(2), startTime: '11:00' });

		const refused = await failure(
			api.calendarGrid.move({ id: id!, date: day(2), startTime: '11:30' })
		);
		expect(refused.code).toBe('CONFLICT');
		expect(refused.message).toMatch(/overlaps your session with Kim Busy/);
		const kept = await api.sessions.get({ id: id! });
		expect(kept.startsAt.toISOString()).toBe(`${day(1)}T08:00:00.000Z`);
	});

	it('is refused into the past, for a cancelled or begun session, and for another practitioner’s session', async () => {
		const { api } = await practitioner();
		const client = await makeClient(api);
		const [id, cancelled, begun] = (
			await makeSessions(api, client.id, {
				date: day(1),
				startTime: '10:00',
				repeat: 'weekly',
				count: 3
			})
		).ids;
		await api.sessions.setStatus({ id: cancelled!, status: 'cancelled', scope: 'this' });
		// Begun early, from the session page: it is under way, not still to come.
		await db.update(sessions).set({ startedAt: new Date() }).where(eq(sessions.id, begun!));

		const past = await failure(
			api.calendarGrid.move({ id: id!, date: '2020-01-06', startTime: '10:00' })
		);
		expect(past.code).toBe('BAD_REQUEST');
		expect(past.message).toMatch(/still to come/);
		const notPlanned = await failure(
			api.calendarGrid.move({ id: cancelled!, date: day(4), startTime: '10:00' })
		);
		expect(notPlanned.message).toMatch(/Only a session still to come/);
		const underWay = await failure(
			api.calendarGrid.move({ id: begun!, date: day(5), startTime: '10:00' })
		);
		expect(underWay.message).toMatch(/Only a session still to come/);

		const stranger = await practitioner('Sam Other');
		const foreign = await failure(
			stranger.api.calendarGrid.move({ id: id!, date: day(4), startTime: '10:00' })
		);
		expect(foreign.code).toBe('NOT_FOUND');
		expect((await api.sessions.get({ id: id! })).startsAt.toISOString()).toBe(
			`${day(1)}T08:00:00.000Z`
		);
	});

	it('refuses input that is not a time or not an id', async () => {
		const { api } = await practitioner();
		const id = '00000000-0000-4000-8000-000000000000';
		for (const input of [
			{ id, date: day(1), startTime: '24:00' },
			{ id, date: day(1), startTime: '9:00' },
			{ id: 'not-an-id', date: day(1), startTime: '09:00' },
			{ id, date: `${YEAR}-13-01`, startTime: '09:00' }
		]) {
			expect((await failure(api.calendarGrid.move(input))).code).toBe('BAD_REQUEST');
		}
	});
});

describe('working hours', () => {
	it('are saved for the practitioner who set them, as minutes of the day', async () => {
		const person = await practitioner();
		const other = await practitioner('Sam Other');
		await person.api.account.setWorkingHours({ dayStartsAt: '07:30', dayEndsAt: '19:00' });
		const me = await (await person.browser.api()).account.me();
		expect(me).toMatchObject({ dayStartsAt: 450, dayEndsAt: 1140 });
		const them = await (await other.browser.api()).account.me();
		expect(them).toMatchObject({ dayStartsAt: 480, dayEndsAt: 1200 });
	});

	it('refuse an end not after the start and times that are not times, changing nothing', async () => {
		const person = await practitioner();
		for (const input of [
			{ dayStartsAt: '18:00', dayEndsAt: '09:00' },
			{ dayStartsAt: '09:00', dayEndsAt: '09:00' },
			{ dayStartsAt: '25:00', dayEndsAt: '26:00' },
			{ dayStartsAt: '', dayEndsAt: '17:00' }
		]) {
			const refused = await failure(person.api.account.setWorkingHours(input));
			expect(refused.code, JSON.stringify(input)).toBe('BAD_REQUEST');
		}
		const me = await (await person.browser.api()).account.me();
		expect(me).toMatchObject({ dayStartsAt: 480, dayEndsAt: 1200 });
	});

	it('need a signed-in practitioner', async () => {
		const { browser } = await practitioner();
		await (await browser.api()).account.signOut();
		const refused = await failure(
			(await browser.api()).account.setWorkingHours({ dayStartsAt: '08:00', dayEndsAt: '17:00' })
		);
		expect(refused.code).toBe('UNAUTHORIZED');
	});
});
