import { and, eq, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { open } from '../../src/lib/server/crypto';
import type { Database } from '../../src/lib/server/db';
import {
	seriesOccurrences,
	sessions,
	subscribers,
	zoomConnections
} from '../../src/lib/server/db/schema';
import { deleteMeeting } from '../../src/lib/server/integrations/zoom/client';
import { zoomHealth } from '../../src/lib/server/integrations/zoom/connection';
import {
	MAX_WAITS,
	MEETING_WINDOW_DAYS,
	resyncMeetings,
	runMeetingJob,
	subscriberJoinPath
} from '../../src/lib/server/integrations/zoom/meetings';
import { enqueueJob, QUEUES } from '../../src/lib/server/jobs/queues';
import { startWorker, type RunningWorker } from '../../src/lib/server/jobs/worker';
import { queueDueReminders } from '../../src/lib/server/series/reminders';
import { weekdayFields } from '../../src/lib/server/series/schemas';
import { load as joinLoad } from '../../src/routes/j/[id]/+page.server';
import type { FakeZoom } from '../fakes/zoom';
import { startFakeSmtp, type FakeSmtp } from '../fakes/smtp';
import { signedUpPractitioner, TestBrowser } from './support/browser';
import { useTestDatabase } from './support/database';
import { failure } from './support/errors';
import { makeClient, makeSessions } from './support/practice';
import { answerOf, requestEvent } from './support/routes';
import { seriesInput, signUpAndConfirm } from './support/series';
import { waitFor } from './support/wait';
import { useZoom } from './support/zoom';
import {
	zoomPractitioner as connectedPractitioner,
	signedInAs,
	type SignedIn
} from './support/zoom-connection';

let db: Database;
let url: string;
let fake: FakeZoom;
let smtp: FakeSmtp;
const workers: RunningWorker[] = [];

/** Attempts of a failing meeting job: the first and two retries. */
const ZOOM_RETRIES = 2;

beforeAll(async () => {
	({ db, url } = await useTestDatabase());
	({ fake } = await useZoom());
	smtp = await startFakeSmtp();
	process.env.SMTP_URL = smtp.url;
});

afterEach(async () => {
	await Promise.all(workers.splice(0).map((w) => w.stop()));
});

afterAll(async () => {
	await smtp.stop();
});

async function work(): Promise<RunningWorker> {
	const worker = await startWorker(url, {
		crons: false,
		retryDelaySeconds: 1,
		zoomRetries: ZOOM_RETRIES,
		sweepIntervalSeconds: 60,
		log: () => {}
	});
	workers.push(worker);
	return worker;
}

/** The day `days` from now, as the series form takes it. */
const dayFromNow = (days: number) =>
	new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

function datesOf(seriesId: string) {
	return db
		.select()
		.from(seriesOccurrences)
		.where(eq(seriesOccurrences.seriesId, seriesId))
		.orderBy(seriesOccurrences.startsAt);
}

/** Every Zoom job is done: none waits, retries or runs. */
function meetingJobsSettled(timeoutMs = 30_000): Promise<void> {
	return waitFor(
		'every Zoom meeting job to settle',
		async () => {
			const [row] = await db.execute<{ n: number }>(sql`
				select count(*)::int as n from pgboss.job
				where name = ${QUEUES.zoomMeeting} and state < 'completed'`);
			return row!.n === 0;
		},
		timeoutMs
	);
}

/** A practitioner who connected Zoom, through the fake's consent page, as a Zoom user of their own. */
async function zoomPractitioner() {
	const zoomUser = fake.addUser();
	const person = await connectedPractitioner(db, fake, { zoomUserId: zoomUser.id });
	return {
		...person,
		api: await person.browser.api(),
		userId: person.user.id,
		zoomUser,
		signedIn: await signedInAs(db, person.browser)
	};
}

async function zoomSession(
	api: Awaited<ReturnType<typeof zoomPractitioner>>['api'],
	fields: Parameters<typeof makeSessions>[2] = {}
) {
	const client = await makeClient(api, { name: 'Jamie Secretclient' });
	const { ids } = await makeSessions(api, client.id, {
		date: dayFromNow(10),
		locationKind: 'zoom',
		...fields
	});
	return ids[0]!;
}

async function sessionRow(id: string) {
	const [row] = await db.select().from(sessions).where(eq(sessions.id, id));
	return row!;
}

async function problemOf(userId: string) {
	const [row] = await db
		.select({ problem: zoomConnections.problem })
		.from(zoomConnections)
		.where(eq(zoomConnections.userId, userId));
	return row?.problem ?? null;
}

/** Follows `/j/<id>`: as the signed-in `signedIn`, or with a subscriber's key, or as anyone. */
function joinLink(id: string, by: { signedIn?: SignedIn; key?: string } = {}) {
	const path = by.key === undefined ? `/j/${id}` : `/j/${id}?k=${encodeURIComponent(by.key)}`;
	return answerOf(() =>
		joinLoad(requestEvent({ path, params: { id }, signedIn: by.signedIn }) as never)
	);
}

/** The key of a signed join path (`/j/<id>?k=<key>`). */
const keyOf = (path: string) => new URL(path, 'http://x').searchParams.get('k')!;

const MEETINGS = /^\/v2\/users\/me\/meetings$/;
const A_MEETING = /^\/v2\/meetings\/\d+$/;

/**
 * The calls to `method path` since `since`, in order (the tests of this file run one at a time;
 * a call the fake failed on purpose is not told whose it was).
 */
const callsSince = (since: Date, method: string, path: RegExp) =>
	fake.calls.filter((c) => c.at >= since && c.method === method && path.test(c.path));

describe('Zoom meetings', () => {
	it('a Zoom session gets one meeting, its id and join URL stored, and Zoom never learns the client’s name', async () => {
		await work();
		const robin = await zoomPractitioner();
		const id = await zoomSession(robin.api);
		expect((await sessionRow(id)).meetingState).toBe('pending');

		await meetingJobsSettled();
		const row = await sessionRow(id);
		const meetings = fake.meetings(robin.zoomUser.id);
		expect(meetings).toHaveLength(1);
		expect(row).toMatchObject({
			meetingState: 'ready',
			meetingError: null,
			meetingId: meetings[0]!.id,
			joinUrl: meetings[0]!.joinUrl
		});
		expect(meetings[0]!.startsAt).toEqual(row.startsAt);
		expect(meetings[0]!.endsAt).toEqual(row.endsAt);
		expect(meetings[0]!.topic).toBe(`Session with ${robin.user.name}`);
		expect(meetings[0]!.topic).not.toContain('Secretclient');
	});

	it('a moved date updates its meeting once, however many jobs for it run at once', async () => {
		const since = new Date();
		await work();
		const robin = await zoomPractitioner();
		const id = await zoomSession(robin.api);
		await meetingJobsSettled();
		await Promise.all(workers.splice(0).map((w) => w.stop()));

		const input = await robin.api.sessions.get({ id });
		await robin.api.sessions.update({
			id,
			clientId: input.clientId,
			date: dayFromNow(12),
			startTime: '15:30',
			durationMinutes: 50,
			timeZone: 'Europe/Berlin',
			locationKind: 'zoom',
			locationDetail: '',
			fee: '80',
			currency: 'EUR'
		});
		// Saves from two tabs, a retried request, a resync: more jobs for the same row, run by two
		// workers while four more run here at the same moment.
		const job = { target: 'session' as const, id, ownerId: robin.userId };
		await db.transaction(async (tx) => {
			for (let n = 0; n < 5; n++) await enqueueJob(tx, QUEUES.zoomMeeting, job);
		});
		await Promise.all([
			work(),
			work(),
			...Array.from({ length: 4 }, () => runMeetingJob(db, job, false))
		]);
		await meetingJobsSettled();

		const row = await sessionRow(id);
		expect(callsSince(since, 'PATCH', A_MEETING)).toHaveLength(1);
		expect(row.meetingState).toBe('ready');
		expect(row.meetingStartsAt).toEqual(row.startsAt);
		const [meeting] = fake.meetings(robin.zoomUser.id);
		expect(meeting!.startsAt).toEqual(row.startsAt);
		expect(row.startsAt.toISOString().slice(0, 10)).toBe(dayFromNow(12));
		expect(fake.meetings(robin.zoomUser.id)).toHaveLength(1);
	});

	it('cancelling or deleting a Zoom session deletes its meeting at Zoom', async () => {
		await work();
		const robin = await zoomPractitioner();
		const cancelled = await zoomSession(robin.api, { date: dayFromNow(14) });
		const deleted = await zoomSession(robin.api, { date: dayFromNow(15) });
		await meetingJobsSettled();
		expect(fake.meetings(robin.zoomUser.id)).toHaveLength(2);

		await robin.api.sessions.setStatus({ id: cancelled, status: 'cancelled', scope: 'this' });
		await robin.api.sessions.delete({ id: deleted });
		await meetingJobsSettled();

		expect(fake.meetings(robin.zoomUser.id)).toEqual([]);
		expect(fake.meetings(robin.zoomUser.id, { deleted: true })).toHaveLength(2);
		expect(await sessionRow(cancelled)).toMatchObject({
			meetingId: null,
			joinUrl: null,
			meetingState: null
		});
		// Its join link, in emails already sent, now says so instead of leading anywhere.
		expect(await joinLink(cancelled, robin)).toEqual({
			status: 200,
			data: { cancelled: true, failed: false, elsewhere: null }
		});
	});

	it('a 429 waits out Retry-After, then makes the meeting, once', async () => {
		const since = new Date();
		await work();
		const robin = await zoomPractitioner();
		fake.failNext('POST', MEETINGS, { status: 429, retryAfterSeconds: 3 });
		const id = await zoomSession(robin.api);
		await meetingJobsSettled();

		const posts = callsSince(since, 'POST', MEETINGS);
		expect(posts.map((c) => c.status)).toEqual([429, 201]);
		expect(posts[1]!.at.getTime() - posts[0]!.at.getTime()).toBeGreaterThanOrEqual(3000);
		expect(fake.meetings(robin.zoomUser.id)).toHaveLength(1);
		expect((await sessionRow(id)).meetingState).toBe('ready');
	});

	it(`a Zoom that keeps answering 429 ends in failed after ${MAX_WAITS} waits, in words, not in more retries`, async () => {
		const since = new Date();
		await work();
		const robin = await zoomPractitioner();
		fake.failNext('POST', MEETINGS, {
			status: 429,
			retryAfterSeconds: 1,
			times: MAX_WAITS + 1
		});
		const id = await zoomSession(robin.api, { date: dayFromNow(2) });
		await meetingJobsSettled();

		const row = await sessionRow(id);
		expect(row.meetingState).toBe('failed');
		expect(row.meetingError).toMatch(/too many requests/);
		expect(await problemOf(robin.userId)).toBe('meetings_failing');
		const posts = callsSince(since, 'POST', MEETINGS);
		expect(posts.map((c) => c.status)).toEqual(Array(MAX_WAITS + 1).fill(429));
		expect(fake.meetings(robin.zoomUser.id)).toEqual([]);
	});

	it('a Zoom that keeps failing ends in failed, in words, with the connection’s problem set; it recovers after', async () => {
		const since = new Date();
		await work();
		const robin = await zoomPractitioner();
		fake.failNext('POST', MEETINGS, {
			status: 500,
			times: ZOOM_RETRIES + 1,
			body: { code: 500, message: 'Internal Zoom trouble XYZZY' }
		});
		const id = await zoomSession(robin.api);
		await meetingJobsSettled();

		const failed = await sessionRow(id);
		expect(failed.meetingState).toBe('failed');
		expect(failed.meetingError).toMatch(/Zoom could not be reached or failed/);
		expect(failed.meetingError).not.toContain('XYZZY');
		expect(await problemOf(robin.userId)).toBe('meetings_failing');
		expect(callsSince(since, 'POST', MEETINGS)).toHaveLength(ZOOM_RETRIES + 1);
		// Its join link says so, rather than "being set up" for ever.
		expect(await joinLink(id, robin)).toEqual({
			status: 200,
			data: { cancelled: false, failed: true, elsewhere: null }
		});

		await resyncMeetings(db, robin.userId);
		await meetingJobsSettled();
		expect(await sessionRow(id)).toMatchObject({ meetingState: 'ready', meetingError: null });
		expect(fake.meetings(robin.zoomUser.id)).toHaveLength(1);
		expect(await problemOf(robin.userId)).toBeNull();
	});

	it('a failed date that has passed no longer keeps the problem once a later failure recovers', async () => {
		await work();
		const robin = await zoomPractitioner();
		const failAll = () => fake.failNext('POST', MEETINGS, { status: 500, times: ZOOM_RETRIES + 1 });
		failAll();
		const past = await zoomSession(robin.api, { date: dayFromNow(3) });
		await meetingJobsSettled();
		expect((await sessionRow(past)).meetingState).toBe('failed');
		// Time passes: the failed session is over.
		await db
			.update(sessions)
			.set({ startsAt: new Date(Date.now() - 7_200_000), endsAt: new Date(Date.now() - 3_600_000) })
			.where(eq(sessions.id, past));

		failAll();
		const later = await zoomSession(robin.api, { date: dayFromNow(4) });
		await meetingJobsSettled();
		expect((await sessionRow(later)).meetingState).toBe('failed');
		expect(await problemOf(robin.userId)).toBe('meetings_failing');

		await resyncMeetings(db, robin.userId);
		await meetingJobsSettled();
		expect((await sessionRow(later)).meetingState).toBe('ready');
		expect((await sessionRow(past)).meetingState).toBe('failed');
		expect(await problemOf(robin.userId)).toBeNull();
		expect(await zoomHealth(db, robin.userId)).toMatchObject({ problem: null, failedCount: 0 });
	});

	it('failed meetings are tried again by the hourly job, and by "Try again", without reconnecting', async () => {
		await work();
		const robin = await zoomPractitioner();
		const failAll = () => fake.failNext('POST', MEETINGS, { status: 500, times: ZOOM_RETRIES + 1 });
		failAll();
		const swept = await zoomSession(robin.api, { date: dayFromNow(3) });
		await meetingJobsSettled();
		expect((await sessionRow(swept)).meetingState).toBe('failed');
		expect(await problemOf(robin.userId)).toBe('meetings_failing');

		// Zoom is well again; no one does anything but the clock.
		await enqueueJob(db, QUEUES.seriesExtend, {});
		await waitFor('the hourly job to make the meeting', async () => {
			return (await sessionRow(swept)).meetingState === 'ready';
		});
		await meetingJobsSettled();
		expect(await problemOf(robin.userId)).toBeNull();

		failAll();
		const pressed = await zoomSession(robin.api, { date: dayFromNow(4) });
		await meetingJobsSettled();
		expect((await sessionRow(pressed)).meetingState).toBe('failed');
		expect(await robin.api.zoom.retryMeetings()).toEqual({ queued: true });
		await meetingJobsSettled();
		expect((await sessionRow(pressed)).meetingState).toBe('ready');
		expect(await problemOf(robin.userId)).toBeNull();
		expect(fake.meetings(robin.zoomUser.id)).toHaveLength(2);

		// Pressed over and over, it is refused for a while; a refused connection needs reconnecting.
		for (let n = 1; n < 6; n++) await robin.api.zoom.retryMeetings();
		expect((await failure(robin.api.zoom.retryMeetings())).code).toBe('TOO_MANY_REQUESTS');
		await db
			.update(zoomConnections)
			.set({ problem: 'refresh_refused', problemAt: new Date() })
			.where(eq(zoomConnections.userId, robin.userId));
		expect((await failure(robin.api.zoom.retryMeetings())).code).toBe('PRECONDITION_FAILED');
	});

	it('a refresh token Zoom killed ends in failed with refresh_refused, never skipped', async () => {
		await work();
		const robin = await zoomPractitioner();
		fake.killRefreshTokens(robin.zoomUser.id);
		fake.expireAccessTokens(robin.zoomUser.id);
		const id = await zoomSession(robin.api);
		await meetingJobsSettled();

		const row = await sessionRow(id);
		expect(row.meetingState).toBe('failed');
		expect(row.meetingError).toMatch(/reconnect/i);
		expect(await problemOf(robin.userId)).toBe('refresh_refused');
		expect(fake.meetings(robin.zoomUser.id)).toEqual([]);
	});

	it('/j/<id> leads to the current join URL, and to the new one once the meeting is made again', async () => {
		await work();
		const robin = await zoomPractitioner();
		const id = await zoomSession(robin.api, { date: dayFromNow(16) });
		await meetingJobsSettled();
		const first = await sessionRow(id);
		expect(await joinLink(id, robin)).toEqual({ status: 302, location: first.joinUrl });

		// Deleted at Zoom by hand; the next change of the date makes a new meeting.
		const [connection] = await db
			.select()
			.from(zoomConnections)
			.where(eq(zoomConnections.userId, robin.userId));
		await deleteMeeting(open(connection!.accessToken, robin.userId), first.meetingId!);
		const input = await robin.api.sessions.get({ id });
		await robin.api.sessions.update({
			id,
			clientId: input.clientId,
			date: dayFromNow(17),
			startTime: '09:00',
			durationMinutes: 50,
			timeZone: 'Europe/Berlin',
			locationKind: 'zoom',
			locationDetail: '',
			fee: '80',
			currency: 'EUR'
		});
		await meetingJobsSettled();
		const second = await sessionRow(id);
		expect(second.meetingState).toBe('ready');
		expect(second.joinUrl).not.toBe(first.joinUrl);
		expect(await joinLink(id, robin)).toEqual({ status: 302, location: second.joinUrl });
	});

	it('/j/<id> says the link is not ready while there is none, keeps a pasted link without Zoom, and is 404 for no date', async () => {
		const robin = await zoomPractitioner();
		const waiting = await zoomSession(robin.api, { date: dayFromNow(18) });
		expect(await joinLink(waiting, robin)).toEqual({
			status: 200,
			data: { cancelled: false, failed: false, elsewhere: null }
		});

		const unconnected = await signedUpPractitioner(db);
		const api = await unconnected.browser.api();
		const pasted = await zoomSession(api, {
			date: dayFromNow(19),
			locationDetail: 'https://zoom.us/j/5550001'
		});
		expect((await sessionRow(pasted)).meetingState).toBeNull();
		const unconnectedIn = await signedInAs(db, unconnected.browser);
		expect(await joinLink(pasted, { signedIn: unconnectedIn })).toEqual({
			status: 302,
			location: 'https://zoom.us/j/5550001'
		});

		// A pasted link to another site is shown, host named, and never redirected to.
		const elsewhere = await zoomSession(api, {
			date: dayFromNow(5),
			locationKind: 'link',
			locationDetail: 'https://zoom.us.evil.example/j/1'
		});
		const fakeZoom = await zoomSession(api, {
			date: dayFromNow(6),
			locationDetail: 'https://evil.example/zoom.us/j/1'
		});
		for (const [id, url, host] of [
			[elsewhere, 'https://zoom.us.evil.example/j/1', 'zoom.us.evil.example'],
			[fakeZoom, 'https://evil.example/zoom.us/j/1', 'evil.example']
		] as const) {
			expect(await joinLink(id, { signedIn: unconnectedIn })).toEqual({
				status: 200,
				data: { cancelled: false, failed: false, elsewhere: { url, host } }
			});
		}

		expect((await joinLink(crypto.randomUUID(), robin)).status).toBe(404);
		expect((await joinLink('not-a-uuid', robin)).status).toBe(404);
	});

	it('a draft Zoom series makes no meetings; publishing makes one per date, each named after the series', async () => {
		const since = new Date();
		await work();
		const robin = await zoomPractitioner();
		const created = await robin.api.series.create(
			seriesInput({
				title: 'Breathing together',
				startDate: dayFromNow(1),
				endKind: 'count',
				occurrenceCount: 3,
				locationKind: 'zoom',
				locationDetail: ''
			})
		);
		await meetingJobsSettled();
		const made = () =>
			callsSince(since, 'POST', MEETINGS).filter((c) => c.userId === robin.zoomUser.id);
		expect(made()).toEqual([]);
		const drafted = await datesOf(created.id);
		expect(drafted.every((d) => d.meetingState === null)).toBe(true);

		await robin.api.series.setStatus({ id: created.id, status: 'published' });
		await meetingJobsSettled();
		const dates = await datesOf(created.id);
		const meetings = fake.meetings(robin.zoomUser.id);
		expect(dates).toHaveLength(3);
		expect(made()).toHaveLength(3);
		expect(meetings).toHaveLength(3);
		expect(new Set(dates.map((d) => d.meetingId)).size).toBe(3);
		for (const date of dates) {
			const meeting = meetings.find((m) => m.id === date.meetingId)!;
			expect(date.meetingState).toBe('ready');
			expect(meeting.topic).toBe('Breathing together');
			expect(meeting.startsAt).toEqual(date.startsAt);
		}
	});

	it('a moved series date updates its meeting once, a cancelled one deletes it, at Zoom', async () => {
		await work();
		const robin = await zoomPractitioner();
		const created = await robin.api.series.create(
			seriesInput({
				title: 'Moving circle',
				startDate: dayFromNow(2),
				endKind: 'count',
				occurrenceCount: 2,
				locationKind: 'zoom',
				locationDetail: ''
			})
		);
		await robin.api.series.setStatus({ id: created.id, status: 'published' });
		await meetingJobsSettled();
		const [first, second] = await datesOf(created.id);
		expect([first!.meetingState, second!.meetingState]).toEqual(['ready', 'ready']);

		const since = new Date();
		await robin.api.series.moveOccurrence({
			occurrenceId: first!.id,
			date: dayFromNow(3),
			startTime: '07:15'
		});
		await robin.api.series.cancelOccurrence({ occurrenceId: second!.id });
		await meetingJobsSettled();

		const patches = callsSince(since, 'PATCH', A_MEETING);
		const deletes = callsSince(since, 'DELETE', A_MEETING);
		expect(patches.map((c) => c.path)).toEqual([`/v2/meetings/${first!.meetingId}`]);
		expect(deletes.map((c) => c.path)).toEqual([`/v2/meetings/${second!.meetingId}`]);
		expect(callsSince(since, 'POST', MEETINGS)).toEqual([]);
		const row = async (id: string) =>
			(await db.select().from(seriesOccurrences).where(eq(seriesOccurrences.id, id)))[0]!;
		const moved = await row(first!.id);
		const cancelled = await row(second!.id);
		expect(moved).toMatchObject({ meetingState: 'ready', meetingId: first!.meetingId });
		const [meeting] = fake.meetings(robin.zoomUser.id);
		expect(meeting).toMatchObject({ id: first!.meetingId, startsAt: moved.startsAt });
		expect(moved.startsAt).not.toEqual(first!.startsAt);
		expect(cancelled).toMatchObject({ meetingState: null, meetingId: null, joinUrl: null });
		expect(fake.meetings(robin.zoomUser.id)).toHaveLength(1);
	});

	it(`only dates within ${MEETING_WINDOW_DAYS} days get meetings; the hourly job gives them to dates coming within`, async () => {
		await work();
		const robin = await zoomPractitioner();
		const created = await robin.api.series.create(
			seriesInput({
				title: 'Weekly circle',
				startDate: dayFromNow(1),
				endKind: 'never',
				locationKind: 'zoom',
				locationDetail: ''
			})
		);
		await robin.api.series.setStatus({ id: created.id, status: 'published' });
		await meetingJobsSettled();
		const windowEnd = Date.now() + MEETING_WINDOW_DAYS * 86_400_000;
		const dates = await datesOf(created.id);
		const near = dates.filter((d) => d.startsAt.getTime() < windowEnd);
		const far = dates.filter((d) => d.startsAt.getTime() > windowEnd + 3_600_000);
		expect(near.length).toBeGreaterThanOrEqual(4);
		expect(far.length).toBeGreaterThan(4);
		expect(fake.meetings(robin.zoomUser.id)).toHaveLength(near.length);
		expect(far.every((d) => d.meetingState === null && d.meetingId === null)).toBe(true);

		// Time passes: a far date comes within the window (as if weeks went by), unseen by any save.
		const later = far[0]!;
		await db
			.update(seriesOccurrences)
			.set({
				startsAt: new Date(Date.now() + 3 * 86_400_000),
				endsAt: new Date(Date.now() + 3 * 86_400_000 + 3_600_000)
			})
			.where(eq(seriesOccurrences.id, later.id));
		await enqueueJob(db, QUEUES.seriesExtend, {});
		await waitFor('the hourly job to give the date its meeting', async () => {
			const [row] = await db
				.select()
				.from(seriesOccurrences)
				.where(eq(seriesOccurrences.id, later.id));
			return row!.meetingState === 'ready';
		});
		await meetingJobsSettled();
		expect(fake.meetings(robin.zoomUser.id)).toHaveLength(near.length + 1);
	});

	it('every subscriber email with a join link, and the self-service page, carry /j/<id> and never Zoom’s address', async () => {
		await work();
		const robin = await zoomPractitioner();
		const created = await robin.api.series.create(
			seriesInput({
				title: 'Online circle',
				startDate: new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10),
				endKind: 'count',
				occurrenceCount: 2,
				locationKind: 'zoom',
				locationDetail: '',
				...weekdayFields([1, 2, 3, 4, 5, 6, 7])
			})
		);
		await robin.api.series.setStatus({ id: created.id, status: 'published' });
		await meetingJobsSettled();
		await signUpAndConfirm(db, created.slug, 1);
		const [subscriber] = await db
			.select({ id: subscribers.id })
			.from(subscribers)
			.where(eq(subscribers.seriesId, created.id));
		const subscriberId = subscriber!.id;

		// The first date moves to within the hour, so its one-hour reminder is due.
		const [first] = await db
			.select()
			.from(seriesOccurrences)
			.where(eq(seriesOccurrences.seriesId, created.id))
			.orderBy(seriesOccurrences.startsAt);
		const soon = new Date(Date.now() + 30 * 60_000);
		const berlin = (options: Intl.DateTimeFormatOptions) =>
			new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin', ...options }).format(soon);
		await robin.api.series.moveOccurrence({
			occurrenceId: first!.id,
			date: berlin({ year: 'numeric', month: '2-digit', day: '2-digit' }),
			startTime: berlin({ hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
		});
		await meetingJobsSettled();
		expect(await queueDueReminders(db)).toBe(1);

		// What reached the subscriber's mailbox: the worker sends, then clears the stored bodies.
		const to = `visitor1-${created.slug}@example.com`;
		const received = () => smtp.messages.filter((m) => m.to.includes(to));
		await waitFor('the welcome and the reminder', () =>
			['You are in', 'Reminder'].every((start) =>
				received().some((m) => m.subject.startsWith(start))
			)
		);
		const reminder = received().find((m) => m.subject.startsWith('Reminder'))!;
		const welcome = received().find((m) => m.subject.startsWith('You are in'))!;
		const signed = await subscriberJoinPath(db, first!.id, subscriberId);
		expect(reminder.text).toContain(signed);
		// iCalendar folds long lines; unfolded, each event's location is its date's join link.
		const ics = welcome.attachments
			.map((a) => a.content)
			.join('\n')
			.replace(/\r?\n[ \t]/g, '');
		const dates = await db
			.select()
			.from(seriesOccurrences)
			.where(eq(seriesOccurrences.seriesId, created.id));
		for (const date of dates) {
			expect(ics).toContain(await subscriberJoinPath(db, date.id, subscriberId));
		}

		const zoomAddresses = fake.meetings(robin.zoomUser.id, { deleted: true }).map((m) => m.joinUrl);
		expect(zoomAddresses.length).toBeGreaterThan(0);
		const everything = JSON.stringify(received());
		for (const address of zoomAddresses) expect(everything).not.toContain(address);

		const token = reminder.text.match(/\/m\/(\S+)/)![1]!;
		const visitor = await signedUpPractitioner(db);
		const view = await (await visitor.browser.api()).subscribers.manage({ token });
		expect(view.dates.length).toBeGreaterThan(0);
		for (const date of view.dates) {
			expect(date.joinUrl).toBe(await subscriberJoinPath(db, date.id, subscriberId));
		}
		const [stored] = await db
			.select({ joinUrl: seriesOccurrences.joinUrl })
			.from(seriesOccurrences)
			.where(and(eq(seriesOccurrences.id, first!.id)));
		expect(await joinLink(first!.id, { key: keyOf(signed) })).toEqual({
			status: 302,
			location: stored!.joinUrl
		});
	});

	it('/j/<id> of a series date leads only its subscribers with a place there, by their own signed link; the public page holds no date ids', async () => {
		await work();
		const robin = await zoomPractitioner();
		const created = await robin.api.series.create(
			seriesInput({
				title: 'Members only',
				startDate: new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10),
				endKind: 'count',
				occurrenceCount: 2,
				capacity: 1,
				locationKind: 'zoom',
				locationDetail: ''
			})
		);
		await robin.api.series.setStatus({ id: created.id, status: 'published' });
		await meetingJobsSettled();
		await signUpAndConfirm(db, created.slug, 1);
		await signUpAndConfirm(db, created.slug, 2);
		const people = await db
			.select()
			.from(subscribers)
			.where(eq(subscribers.seriesId, created.id))
			.orderBy(subscribers.arrival);
		const [member, waiting] = people;
		expect([member!.status, waiting!.status]).toEqual(['active', 'waitlisted']);
		const [first, second] = await db
			.select()
			.from(seriesOccurrences)
			.where(eq(seriesOccurrences.seriesId, created.id))
			.orderBy(seriesOccurrences.startsAt);

		const visitor = await new TestBrowser(db).api();
		const shown = await visitor.subscribers.publicSeries({ slug: created.slug });
		expect(JSON.stringify(shown)).not.toContain(first!.id);

		const memberKey = keyOf(await subscriberJoinPath(db, first!.id, member!.id));
		expect(await joinLink(first!.id, { key: memberKey })).toEqual({
			status: 302,
			location: first!.joinUrl
		});
		// The practitioner, signed in, needs no key.
		expect(await joinLink(first!.id, robin)).toMatchObject({ status: 302 });

		const notValid = { status: 404, data: { message: 'This link is not valid.' } };
		// Anyone with the id alone, another practitioner signed in, or a key made for another date.
		expect(await joinLink(first!.id)).toEqual(notValid);
		const other = await signedUpPractitioner(db, 'Other Person');
		const otherIn = await signedInAs(db, other.browser);
		expect(await joinLink(first!.id, { signedIn: otherIn })).toEqual(notValid);
		expect(await joinLink(second!.id, { key: memberKey })).toEqual(notValid);
		expect(await joinLink(first!.id, { key: memberKey.slice(0, -2) + 'xx' })).toEqual(notValid);
		// Someone waiting for a place, even with a key signed for them.
		const waitingKey = keyOf(await subscriberJoinPath(db, first!.id, waiting!.id));
		expect(await joinLink(first!.id, { key: waitingKey })).toEqual(notValid);
		// A date that does not exist reads the same.
		expect(await joinLink(crypto.randomUUID(), { key: memberKey })).toEqual(notValid);

		// Once they left, their link no longer leads anywhere.
		await db.update(subscribers).set({ status: 'left' }).where(eq(subscribers.id, member!.id));
		expect(await joinLink(first!.id, { key: memberKey })).toEqual(notValid);
	});
});
