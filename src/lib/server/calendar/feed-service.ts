import { TRPCError } from '@trpc/server';
import { and, eq, gte, inArray, lt, ne, notInArray, sql } from 'drizzle-orm';
import { sha256 } from '@oslojs/crypto/sha2';
import { encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from '@oslojs/encoding';
import { hashSecret } from '../auth/tokens';
import type { Db } from '../db';
import {
	calendarFeedEvents,
	calendarFeeds,
	clients,
	series,
	seriesOccurrences,
	sessions
} from '../db/schema';
import { icsDocument, textProperty, utcStamp } from './ics-text';
import { localStamp, vtimezone, wallTimeAt } from './zone-offsets';

const DAY_MS = 24 * 60 * 60 * 1000;
/** The feed reaches back a quarter and forward two years: what a calendar app shows and keeps. */
const PAST_DAYS = 92;
const FUTURE_DAYS = 731;

/** The address of a feed, from its token. */
export const feedUrl = (origin: string, token: string) => `${origin}/calendar/${token}.ics`;

export async function feedSettings(db: Db, ownerId: string) {
	const [feed] = await db
		.select({ issuedAt: calendarFeeds.issuedAt, showFullNames: calendarFeeds.showFullNames })
		.from(calendarFeeds)
		.where(eq(calendarFeeds.ownerId, ownerId));
	return feed ?? null;
}

/**
 * A new token for the feed, replacing any earlier one in the same write, so the old address is
 * refused from that moment. Only its hash is stored: this is the one time it can be shown.
 */
export async function issueFeedToken(db: Db, ownerId: string): Promise<string> {
	const token = encodeBase32LowerCaseNoPadding(crypto.getRandomValues(new Uint8Array(20)));
	const tokenHash = hashSecret(token);
	await db
		.insert(calendarFeeds)
		.values({ ownerId, tokenHash })
		.onConflictDoUpdate({
			target: calendarFeeds.ownerId,
			set: { tokenHash, issuedAt: sql`now()` }
		});
	return token;
}

export async function setFeedNames(db: Db, ownerId: string, showFullNames: boolean) {
	const updated = await db
		.update(calendarFeeds)
		.set({ showFullNames })
		.where(eq(calendarFeeds.ownerId, ownerId))
		.returning({ ownerId: calendarFeeds.ownerId });
	if (updated.length === 0) {
		throw new TRPCError({ code: 'NOT_FOUND', message: 'Create the calendar feed first.' });
	}
}

/** "A.M.L." for Ana María López: enough for the practitioner, little for anyone else. */
export function initials(name: string): string {
	return name
		.split(/[\s-]+/)
		.map((word) => Array.from(word)[0])
		.filter(Boolean)
		.map((letter) => `${letter!.toLocaleUpperCase()}.`)
		.join('');
}

type FeedEvent = {
	uid: string;
	startsAt: Date;
	endsAt: Date;
	timeZone: string;
	summary: string;
	location: string;
	cancelled: boolean;
};

/** The event's properties but SEQUENCE and DTSTAMP, which follow from whether these changed. */
function describedProperties(event: FeedEvent): string[] {
	const at = (name: string, instant: Date) =>
		`${name};TZID=${event.timeZone}:${localStamp(wallTimeAt(event.timeZone, instant.getTime()))}`;
	return [
		textProperty('UID', event.uid),
		at('DTSTART', event.startsAt),
		at('DTEND', event.endsAt),
		textProperty('SUMMARY', event.summary),
		...(event.location ? [textProperty('LOCATION', event.location)] : []),
		`STATUS:${event.cancelled ? 'CANCELLED' : 'CONFIRMED'}`,
		'TRANSP:OPAQUE'
	];
}

const digestOf = (lines: string[]) =>
	encodeHexLowerCase(sha256(new TextEncoder().encode(lines.join('\r\n'))));

/** The owner's sessions and published series dates within the feed's span, with client names. */
async function feedEvents(db: Db, ownerId: string, showFullNames: boolean): Promise<FeedEvent[]> {
	const from = new Date(Date.now() - PAST_DAYS * DAY_MS);
	const to = new Date(Date.now() + FUTURE_DAYS * DAY_MS);
	const [sessionRows, occurrenceRows] = await Promise.all([
		db
			.select({
				id: sessions.id,
				startsAt: sessions.startsAt,
				endsAt: sessions.endsAt,
				timeZone: sessions.timeZone,
				status: sessions.status,
				location: sessions.locationDetail,
				clientName: clients.name
			})
			.from(sessions)
			.innerJoin(clients, eq(clients.id, sessions.clientId))
			.where(
				and(eq(sessions.ownerId, ownerId), gte(sessions.startsAt, from), lt(sessions.startsAt, to))
			),
		db
			.select({
				id: seriesOccurrences.id,
				startsAt: seriesOccurrences.startsAt,
				endsAt: seriesOccurrences.endsAt,
				status: seriesOccurrences.status,
				timeZone: series.timeZone,
				title: series.title,
				location: series.locationDetail
			})
			.from(seriesOccurrences)
			.innerJoin(series, eq(series.id, seriesOccurrences.seriesId))
			.where(
				and(
					eq(seriesOccurrences.ownerId, ownerId),
					eq(series.status, 'published'),
					gte(seriesOccurrences.startsAt, from),
					lt(seriesOccurrences.startsAt, to)
				)
			)
	]);
	return [
		...sessionRows.map((row) => ({
			uid: `session-${row.id}@sessionboard`,
			startsAt: row.startsAt,
			endsAt: row.endsAt,
			timeZone: row.timeZone,
			summary: `Session with ${showFullNames ? row.clientName : initials(row.clientName)}`,
			location: row.location,
			cancelled: row.status === 'cancelled' || row.status === 'late_cancelled'
		})),
		...occurrenceRows.map((row) => ({
			uid: `occurrence-${row.id}@sessionboard`,
			startsAt: row.startsAt,
			endsAt: row.endsAt,
			timeZone: row.timeZone,
			summary: row.title,
			location: row.location,
			cancelled: row.status === 'cancelled'
		}))
	].sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime() || a.uid.localeCompare(b.uid));
}

/** The digest of an event no longer in the feed: never that of one in it. */
const GONE = 'gone';

/**
 * Events that left the feed (deleted, moved out of its span, their series unpublished) are kept
 * as gone for as long as the feed looks back, then forgotten. One that comes back meanwhile goes
 * on from the SEQUENCE it had, as RFC 5545 asks, since a calendar app that saw it may still
 * hold it; one forgotten would start again at 0, but no app refreshing this feed has kept for a
 * quarter an event that was absent from it all that time.
 */
async function forgetGoneEvents(db: Db, ownerId: string, uids: string[]) {
	const ofOwner = eq(calendarFeedEvents.ownerId, ownerId);
	await db
		.update(calendarFeedEvents)
		.set({ digest: GONE, changedAt: sql`now()` })
		.where(
			and(ofOwner, ne(calendarFeedEvents.digest, GONE), notInArray(calendarFeedEvents.uid, uids))
		);
	await db
		.delete(calendarFeedEvents)
		.where(
			and(
				ofOwner,
				eq(calendarFeedEvents.digest, GONE),
				lt(calendarFeedEvents.changedAt, sql`now() - make_interval(days => ${PAST_DAYS})`)
			)
		);
}

/**
 * SEQUENCE and DTSTAMP of each event: kept while its properties stay the same, SEQUENCE one up
 * and DTSTAMP now when they changed (or it comes back). Concurrent fetches cannot count one
 * change twice: the update applies only while the stored digest still differs.
 */
async function revisions(db: Db, ownerId: string, digests: Map<string, string>) {
	const uids = [...digests.keys()];
	await forgetGoneEvents(db, ownerId, uids);
	if (uids.length === 0) return new Map<string, { sequence: number; changedAt: Date }>();
	const known = async () =>
		db
			.select()
			.from(calendarFeedEvents)
			.where(and(eq(calendarFeedEvents.ownerId, ownerId), inArray(calendarFeedEvents.uid, uids)));
	let rows = await known();
	const stale = uids.filter(
		(uid) => rows.find((row) => row.uid === uid)?.digest !== digests.get(uid)
	);
	if (stale.length > 0) {
		await db
			.insert(calendarFeedEvents)
			.values(stale.map((uid) => ({ ownerId, uid, digest: digests.get(uid)! })))
			.onConflictDoUpdate({
				target: [calendarFeedEvents.ownerId, calendarFeedEvents.uid],
				set: {
					digest: sql`excluded.digest`,
					sequence: sql`${calendarFeedEvents.sequence} + 1`,
					changedAt: sql`now()`
				},
				setWhere: sql`${calendarFeedEvents.digest} <> excluded.digest`
			});
		rows = await known();
	}
	return new Map(rows.map((row) => [row.uid, row]));
}

/**
 * The feed for a token, as an iCalendar document and its ETag. An unknown token is NOT_FOUND,
 * the same answer as for a token that never existed, whatever it resembles.
 */
export async function renderFeed(db: Db, token: string): Promise<{ body: string; etag: string }> {
	const [feed] = await db
		.select()
		.from(calendarFeeds)
		.where(eq(calendarFeeds.tokenHash, hashSecret(token)));
	if (!feed) throw new TRPCError({ code: 'NOT_FOUND', message: 'Not found' });
	const events = await feedEvents(db, feed.ownerId, feed.showFullNames);
	const described = events.map((event) => ({ event, lines: describedProperties(event) }));
	const revised = await revisions(
		db,
		feed.ownerId,
		new Map(described.map(({ event, lines }) => [event.uid, digestOf(lines)]))
	);
	// The zones' changes over every year the span touches, and a year either side for the local
	// dates of events near New Year.
	const fromYear = new Date(Date.now() - PAST_DAYS * DAY_MS).getUTCFullYear() - 1;
	const toYear = new Date(Date.now() + FUTURE_DAYS * DAY_MS).getUTCFullYear() + 1;
	const zones = [...new Set(events.map((event) => event.timeZone))].sort();
	const body = icsDocument([
		'BEGIN:VCALENDAR',
		'VERSION:2.0',
		'PRODID:-//Sessionboard//Calendar feed//EN',
		'CALSCALE:GREGORIAN',
		'METHOD:PUBLISH',
		textProperty('X-WR-CALNAME', 'Sessionboard'),
		'REFRESH-INTERVAL;VALUE=DURATION:PT1H',
		'X-PUBLISHED-TTL:PT1H',
		...zones.flatMap((zone) => vtimezone(zone, fromYear, toYear)),
		...described.flatMap(({ event, lines }) => {
			const revision = revised.get(event.uid)!;
			return [
				'BEGIN:VEVENT',
				...lines.slice(0, 1),
				`DTSTAMP:${utcStamp(revision.changedAt)}`,
				`SEQUENCE:${revision.sequence}`,
				...lines.slice(1),
				'END:VEVENT'
			];
		}),
		'END:VCALENDAR'
	]);
	return { body, etag: `"${digestOf([body])}"` };
}
