import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db';
import { enqueueJob, QUEUES } from '../../jobs/queues';
import { arrayLiteral } from '../../pg-arrays';
import { publishToUser } from '../../realtime/publish';
import { signLink, verifyLink } from '../../signed-links';
import { httpsHost, isHttpsLink, isZoomHost } from '../../../validation';
import { reportUnexpected, unexpectedMessage } from '../../unexpected';
import {
	createMeeting,
	deleteMeeting,
	updateMeeting,
	ZoomError,
	type MeetingTimes
} from './client';
import {
	announceZoom,
	clearProblem,
	markMeetingsFailing,
	upcomingFailedCount,
	withZoomToken,
	ZoomNotConnected
} from './connection';

/**
 * The Zoom meeting of each session with location Zoom and each date of a Zoom series. Saving such
 * a row marks it 'pending' and queues a `zoom.meeting` job in the same transaction; the job makes
 * Zoom match the row as it is when the job runs, so any number of jobs for one change make one
 * call. A row that cannot get its meeting ends 'failed' with the reason in words, never skipped.
 */

export type MeetingTarget = 'session' | 'occurrence';

export type ZoomMeetingJob = {
	target: MeetingTarget;
	id: string;
	ownerId: string;
	/** Set for a deleted row: the meeting to delete at Zoom, as nothing else is left of it. */
	meetingId?: string;
	/** How often Zoom already asked this change to wait (429). */
	waited?: number;
};

/**
 * How often a job waits out Zoom's 429 before the meeting counts as failed: past that, Zoom's
 * limit (a day's meetings, say) will not lift within retries, and the practitioner is told.
 */
export const MAX_WAITS = 5;

/**
 * The SQL that tells, for one table alias, whether a row wants a meeting (`wants`) and whether it
 * may be acted on at all (`live`): a row that has ended, or that was held and completed, keeps
 * whatever meeting it had.
 */
type Rules = { table: SQL; from: SQL; live: SQL; wants: SQL };

const sessionRules: Rules = {
	table: sql`sessions s`,
	from: sql``,
	live: sql`(s.ends_at > now() and s.status not in ('completed', 'no_show'))`,
	// Without a connection a Zoom session keeps its pasted link, unless it already had a meeting
	// (then the job says why it has none now).
	wants: sql`(s.location_kind = 'zoom' and s.status = 'scheduled' and s.ends_at > now()
		and (s.meeting_state is not null
			or exists (select 1 from zoom_connections z where z.user_id = s.owner_id)))`
};

/**
 * How far ahead a series date gets its meeting: a series runs on without end, and Zoom limits the
 * meetings made a day, so one series must not make a year's worth at once. The hourly job
 * (`followDatesEnteringWindow`) gives the dates that come within it theirs.
 */
export const MEETING_WINDOW_DAYS = 30;

const occurrenceRules: Rules = {
	table: sql`series_occurrences s`,
	from: sql`from series se`,
	live: sql`(se.id = s.series_id and s.ends_at > now())`,
	// A draft is no one's business yet: publishing it makes its meetings.
	wants: sql`(se.location_kind = 'zoom' and se.status = 'published' and s.status = 'scheduled'
		and s.ends_at > now()
		and s.starts_at < now() + ${MEETING_WINDOW_DAYS} * interval '1 day')`
};

const rulesOf = (target: MeetingTarget) => (target === 'session' ? sessionRules : occurrenceRules);

/** The row's meeting at Zoom is not what the row says it should be. */
const needsCall = ({ wants }: Rules) => sql`(
	(${wants} and (s.meeting_id is null or s.meeting_state = 'failed'
		or s.meeting_starts_at is distinct from s.starts_at
		or s.meeting_ends_at is distinct from s.ends_at))
	or (not ${wants} and s.meeting_id is not null))`;

/**
 * Call in the transaction that changed the rows (of `ownerId`) matching `scope`, after the change:
 * those whose meeting must be made, moved or deleted become 'pending' with a job queued; those that
 * no longer want a meeting and have none lose their state.
 */
async function follow(db: Db, target: MeetingTarget, ownerId: string, scope: SQL): Promise<void> {
	const rules = rulesOf(target);
	const call = needsCall(rules);
	const marked = await db.execute<{ id: string }>(sql`
		update ${rules.table} set
			meeting_state = case when ${call} then 'pending'::meeting_state
				when ${rules.wants} then s.meeting_state end,
			meeting_error = case when ${call} then null
				when ${rules.wants} then s.meeting_error end
		${rules.from}
		where s.owner_id = ${ownerId} and ${scope} and ${rules.live}
			and (${call} or (not ${rules.wants} and s.meeting_state is not null))
		returning s.id, s.meeting_state = 'pending' as queued`);
	for (const row of marked as unknown as { id: string; queued: boolean }[]) {
		if (row.queued) await enqueueMeetingJob(db, { target, id: row.id, ownerId });
	}
}

const idIn = (ids: string[]) => sql`s.id = any(${arrayLiteral(ids)}::uuid[])`;

/** Sessions just created or changed. */
export async function followSessions(db: Db, ownerId: string, ids: string[]): Promise<void> {
	if (ids.length > 0) await follow(db, 'session', ownerId, idIn(ids));
}

/** Series dates just created or changed. */
export async function followSeriesDates(db: Db, ownerId: string, ids: string[]): Promise<void> {
	if (ids.length > 0) await follow(db, 'occurrence', ownerId, idIn(ids));
}

/** Every coming date of a series whose settings (location, status) just changed. */
export async function followSeries(db: Db, ownerId: string, seriesId: string): Promise<void> {
	await follow(db, 'occurrence', ownerId, sql`s.series_id = ${seriesId}`);
}

/** Rows about to be deleted (in this transaction): their meetings are deleted at Zoom. */
export async function forgetMeetings(
	db: Db,
	target: MeetingTarget,
	ownerId: string,
	rows: { id: string; meetingId: string | null }[]
): Promise<void> {
	for (const { id, meetingId } of rows) {
		if (meetingId) await enqueueMeetingJob(db, { target, id, ownerId, meetingId });
	}
}

/**
 * The hourly job: the dates of published Zoom series that came within MEETING_WINDOW_DAYS since
 * the last run (they have no meeting and no state yet) get theirs, one practitioner at a time.
 */
export async function followDatesEnteringWindow(db: Db): Promise<void> {
	const fresh = sql`s.meeting_state is null and s.meeting_id is null`;
	const owners = await db.execute<{ owner_id: string }>(sql`
		select distinct s.owner_id from series_occurrences s join series se on se.id = s.series_id
		where ${fresh} and ${occurrenceRules.wants}`);
	for (const { owner_id } of owners) {
		await db.transaction((tx) => follow(tx, 'occurrence', owner_id, fresh));
	}
}

function enqueueMeetingJob(db: Db, job: ZoomMeetingJob): Promise<void> {
	return enqueueJob(db, QUEUES.zoomMeeting, job);
}

/**
 * After a (re)connect: a job for every coming Zoom session or date of the user that waits for a
 * meeting, lost it, or never had one (a session with a pasted link keeps it).
 */
export async function resyncMeetings(db: Db, userId: string): Promise<void> {
	await db.transaction(async (tx) => {
		const stuck = sql`(s.meeting_state in ('failed', 'pending') or s.meeting_id is null)`;
		await follow(
			tx,
			'session',
			userId,
			sql`s.location_kind = 'zoom' and ${stuck}
				and (s.meeting_state is not null or s.location_detail = '')`
		);
		await follow(tx, 'occurrence', userId, stuck);
	});
}

/**
 * The hourly job: meetings that failed (Zoom out of reach, retries spent) are tried again without
 * the practitioner doing anything. A refused connection is left alone: only reconnecting mends it.
 */
export async function retryFailingMeetings(db: Db): Promise<void> {
	const failing = await db.execute<{ user_id: string }>(sql`
		select user_id from zoom_connections where problem = 'meetings_failing'`);
	for (const { user_id } of failing) await resyncMeetings(db, user_id);
}

type Current = {
	id: string;
	ownerId: string;
	seriesId: string | null;
	meetingId: string | null;
	meetingState: string | null;
	startsAt: Date;
	endsAt: Date;
	meetingStartsAt: Date | null;
	meetingEndsAt: Date | null;
	timeZone: string;
	topic: string;
	live: boolean;
	wants: boolean;
};

async function current(db: Db, target: MeetingTarget, id: string): Promise<Current | undefined> {
	const rows =
		target === 'session'
			? await db.execute<Record<string, unknown>>(sql`
				select s.id, s.owner_id, null as series_id, s.meeting_id, s.meeting_state,
					s.starts_at, s.ends_at, s.meeting_starts_at, s.meeting_ends_at, s.time_zone,
					-- The client's name stays with us: Zoom learns only whose session it is.
					'Session with ' || u.name as topic,
					${sessionRules.live} as live, ${sessionRules.wants} as wants
				from sessions s join users u on u.id = s.owner_id
				where s.id = ${id}`)
			: await db.execute<Record<string, unknown>>(sql`
				select s.id, s.owner_id, s.series_id, s.meeting_id, s.meeting_state,
					s.starts_at, s.ends_at, s.meeting_starts_at, s.meeting_ends_at, se.time_zone,
					se.title as topic, ${occurrenceRules.live} as live, ${occurrenceRules.wants} as wants
				from series_occurrences s join series se on se.id = s.series_id
				where s.id = ${id}`);
	const row = rows[0];
	if (!row) return undefined;
	const at = (v: unknown) => (v === null ? null : new Date(v as string));
	return {
		id: row.id as string,
		ownerId: row.owner_id as string,
		seriesId: row.series_id as string | null,
		meetingId: row.meeting_id as string | null,
		meetingState: row.meeting_state as string | null,
		startsAt: at(row.starts_at)!,
		endsAt: at(row.ends_at)!,
		meetingStartsAt: at(row.meeting_starts_at),
		meetingEndsAt: at(row.meeting_ends_at),
		timeZone: row.time_zone as string,
		topic: row.topic as string,
		live: row.live as boolean,
		wants: row.wants as boolean
	};
}

const tableOf = (target: MeetingTarget) =>
	target === 'session' ? sql`sessions` : sql`series_occurrences`;

/**
 * Writes what Zoom now has for the row, provided the row still has the meeting the job acted on
 * (`had`). The state becomes 'ready' only when the row still wants exactly what Zoom was told;
 * otherwise it stays as the newer change left it, for the next round. Returns false when the row
 * is gone or holds another meeting.
 */
async function store(
	db: Db,
	target: MeetingTarget,
	row: Current,
	had: string | null,
	zoom: { meetingId: string; joinUrl?: string; startsAt: Date; endsAt: Date } | null
): Promise<boolean> {
	const told = zoom
		? sql`meeting_id = ${zoom.meetingId},
			join_url = coalesce(${zoom.joinUrl ?? null}, join_url),
			meeting_starts_at = ${zoom.startsAt.toISOString()}::timestamptz,
			meeting_ends_at = ${zoom.endsAt.toISOString()}::timestamptz,
			meeting_state = case when starts_at = ${zoom.startsAt.toISOString()}::timestamptz
				and ends_at = ${zoom.endsAt.toISOString()}::timestamptz then 'ready'::meeting_state
				else meeting_state end,
			meeting_error = null`
		: sql`meeting_id = null, join_url = null, meeting_starts_at = null, meeting_ends_at = null`;
	const written = await db.execute(sql`
		update ${tableOf(target)} set ${told}
		where id = ${row.id} and meeting_id is not distinct from ${had}
		returning id`);
	return written.length > 0;
}

/**
 * The row's meeting already matches it ('ready'), or it wants none and has none (null) — unless
 * the row changed since it was read: then the newer change's job decides.
 */
async function settle(db: Db, target: MeetingTarget, row: Current, state: 'ready' | null) {
	await db.execute(sql`
		update ${tableOf(target)} set meeting_state = ${state}, meeting_error = null
		where id = ${row.id} and meeting_id is not distinct from ${row.meetingId}
			and starts_at = ${row.startsAt.toISOString()}::timestamptz
			and ends_at = ${row.endsAt.toISOString()}::timestamptz
			and meeting_state is distinct from ${state}`);
}

/** A round that leaves Zoom matching the row returns true; one that changed something, false. */
async function reconcileOnce(db: Db, target: MeetingTarget, row: Current): Promise<boolean> {
	const times: MeetingTimes = {
		topic: row.topic,
		startsAt: row.startsAt,
		endsAt: row.endsAt,
		timeZone: row.timeZone
	};
	if (!row.live) return true;
	if (!row.wants) {
		if (!row.meetingId) {
			if (row.meetingState !== null) await settle(db, target, row, null);
			return true;
		}
		await withZoomToken(db, row.ownerId, (token) => deleteMeeting(token, row.meetingId!));
		await store(db, target, row, row.meetingId, null);
		return false;
	}
	if (!row.meetingId) {
		const made = await withZoomToken(db, row.ownerId, (token) => createMeeting(token, times));
		const kept = await store(db, target, row, null, { meetingId: made.id, ...made, ...times });
		// The row was deleted (or given a meeting elsewhere) while Zoom made this one.
		if (!kept) await withZoomToken(db, row.ownerId, (token) => deleteMeeting(token, made.id));
		return false;
	}
	const moved =
		row.meetingStartsAt?.getTime() !== row.startsAt.getTime() ||
		row.meetingEndsAt?.getTime() !== row.endsAt.getTime();
	if (!moved) {
		if (row.meetingState !== 'ready') await settle(db, target, row, 'ready');
		return true;
	}
	try {
		await withZoomToken(db, row.ownerId, (token) => updateMeeting(token, row.meetingId!, times));
	} catch (error) {
		// Deleted at Zoom by hand: a new one is made, and /j/<id> leads to it without a new email.
		if (!(error instanceof ZoomError && error.kind === 'not_found')) throw error;
		await store(db, target, row, row.meetingId, null);
		return false;
	}
	await store(db, target, row, row.meetingId, { meetingId: row.meetingId, ...times });
	return false;
}

/** Enough rounds for a row changed again while Zoom was being told about the last change. */
const MAX_ROUNDS = 4;

/**
 * One job's work, under a lock on the row's key so that jobs for one row run one after another
 * (in any worker): the first makes the call, the next find Zoom already matching. The lock is an
 * advisory one in a transaction that touches no rows, so the Zoom call holds no row lock.
 */
async function reconcile(db: Db, job: ZoomMeetingJob): Promise<Current | undefined> {
	if (job.meetingId) {
		await withZoomToken(db, job.ownerId, (token) => deleteMeeting(token, job.meetingId!));
		return undefined;
	}
	return db.transaction(async (lock) => {
		await lock.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`zoom:${job.id}`}, 0))`);
		for (let round = 0; round < MAX_ROUNDS; round++) {
			const row = await current(db, job.target, job.id);
			if (!row) return undefined;
			if (await reconcileOnce(db, job.target, row)) return row;
		}
		throw new Error('The date kept changing while its Zoom meeting was being updated');
	});
}

/** What the practitioner reads beside the date: never Zoom's own words. */
function inWords(error: unknown): string {
	if (error instanceof ZoomNotConnected) return error.message;
	if (error instanceof ZoomError) {
		switch (error.kind) {
			case 'invalid_grant':
			case 'unauthorized':
				return 'Zoom refused the connection: reconnect Zoom in Settings → Integrations.';
			case 'rate_limited':
				return 'Zoom kept asking to wait (too many requests, perhaps its daily limit of new meetings); it is tried again within the hour.';
			case 'unavailable':
				return 'Zoom could not be reached or failed; it was tried several times.';
			default:
				return 'Zoom refused to make or change the meeting.';
		}
	}
	return unexpectedMessage(reportUnexpected(error, 'The Zoom meeting job'));
}

async function markFailed(db: Db, job: ZoomMeetingJob, error: unknown): Promise<void> {
	const words = inWords(error);
	await db.execute(sql`
		update ${tableOf(job.target)} set meeting_state = 'failed', meeting_error = ${words}
		where id = ${job.id} and meeting_state = 'pending'`);
	if (await markMeetingsFailing(db, job.ownerId)) announceZoom(job.ownerId);
}

/** Nothing of the user's still to come is failing: the "meetings failing" problem is over. */
async function clearWhenNoneFailing(db: Db, userId: string): Promise<void> {
	if ((await upcomingFailedCount(db, userId)) === 0 && (await clearProblem(db, userId))) {
		announceZoom(userId);
	}
}

function published(job: ZoomMeetingJob, row: Current | undefined): void {
	if (!row) return;
	if (job.target === 'session') {
		publishToUser(job.ownerId, 'practice:changed', { entity: 'session', ids: [row.id] });
	} else {
		publishToUser(job.ownerId, 'practice:changed', { entity: 'series', ids: [row.seriesId!] });
	}
}

export type MeetingJobOutcome = { done: true } | { waitSeconds: number; again: ZoomMeetingJob };

/**
 * The `zoom.meeting` job. Throws to be retried with backoff; on its last try (`lastTry`), or when
 * Zoom is not connected, the row ends 'failed' with the reason. A 429 is not a failure: the
 * worker queues the job again after Zoom's Retry-After.
 */
export async function runMeetingJob(
	db: Db,
	job: ZoomMeetingJob,
	lastTry: boolean
): Promise<MeetingJobOutcome> {
	try {
		const row = await reconcile(db, job);
		await clearWhenNoneFailing(db, job.ownerId);
		published(job, row);
		return { done: true };
	} catch (error) {
		const waited = job.waited ?? 0;
		const limited = error instanceof ZoomError && error.kind === 'rate_limited';
		if (limited && waited < MAX_WAITS) {
			return {
				waitSeconds: error.retryAfterSeconds ?? 1,
				again: { ...job, waited: waited + 1 }
			};
		}
		if (!lastTry && !limited && !(error instanceof ZoomNotConnected)) throw error;
		if (job.meetingId) {
			// Nothing is left to show it on: the meeting stays at Zoom, for the log to tell.
			reportUnexpected(error, `Deleting Zoom meeting ${job.meetingId}`);
			return { done: true };
		}
		await markFailed(db, job, error);
		published(job, await current(db, job.target, job.id));
		return { done: true };
	}
}

/**
 * `go`: a Zoom meeting's join URL, to be redirected to. `elsewhere`: a pasted link to another
 * site, shown rather than followed, so that /j/ on this site is no open redirect.
 */
export type JoinLink =
	| { go: string }
	| { elsewhere: { url: string; host: string } }
	| { waiting: true }
	| { failed: true }
	| { cancelled: true };

/** Who follows a join link: the signed-in user, if any, and the link's key (`?k=`), if any. */
export type JoinVisitor = { userId: string | null; key: string | null };

/**
 * Where `/j/<id>` leads for a session or series date: its meeting's current join URL, or the link
 * pasted by hand when it has no meeting of the Zoom integration. Only for whom the link is: the
 * practitioner, signed in, or a subscriber holding a place in the date's series with the key
 * signed for them and this date. Undefined otherwise, alike whether the date exists or not.
 */
export async function joinLinkOf(
	db: Db,
	id: string,
	visitor: JoinVisitor
): Promise<JoinLink | undefined> {
	const [row] = await db.execute<{
		owner_id: string;
		series_id: string | null;
		join_url: string | null;
		meeting_state: string | null;
		pasted: string | null;
		cancelled: boolean;
	}>(sql`
		select owner_id, null::uuid as series_id, join_url, meeting_state,
			case when location_kind in ('zoom', 'link') then location_detail end as pasted,
			status in ('cancelled', 'late_cancelled') as cancelled
		from sessions where id = ${id}
		union all
		select o.owner_id, o.series_id, o.join_url, o.meeting_state,
			case when se.location_kind = 'online' then se.location_detail end,
			o.status = 'cancelled' or se.status = 'archived'
		from series_occurrences o join series se on se.id = o.series_id
		where o.id = ${id}`);
	if (!row) return undefined;
	const owner = visitor.userId === row.owner_id;
	if (!owner && !(row.series_id && (await holdsPlace(db, row.series_id, id, visitor.key)))) {
		return undefined;
	}
	if (row.cancelled) return { cancelled: true };
	// Made by the integration, from what Zoom answered (client.ts takes only https).
	if (row.join_url && isHttpsLink(row.join_url)) return { go: row.join_url };
	if (row.meeting_state === 'failed') return { failed: true };
	const host = row.meeting_state || !row.pasted ? null : httpsHost(row.pasted);
	if (host === null) return { waiting: true };
	return isZoomHost(host) ? { go: row.pasted! } : { elsewhere: { url: row.pasted!, host } };
}

/** The key was signed for a subscriber and this date, and they still have a place in the series. */
async function holdsPlace(db: Db, seriesId: string, occurrenceId: string, key: string | null) {
	const subscriberId = key ? await verifyLink(db, 'join', key, occurrenceId) : null;
	if (!subscriberId) return false;
	const [row] = await db.execute(sql`
		select 1 from subscribers
		where id = ${subscriberId} and series_id = ${seriesId} and status = 'active'`);
	return row !== undefined;
}

/**
 * A subscriber's join link of one series date, relative to the site: stable wherever the meeting
 * itself moves, and good only for them while they have a place.
 */
export async function subscriberJoinPath(
	db: Db,
	occurrenceId: string,
	subscriberId: string
): Promise<string> {
	return `/j/${occurrenceId}?k=${await signLink(db, 'join', subscriberId, occurrenceId)}`;
}
