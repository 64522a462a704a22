import { TRPCError } from '@trpc/server';
import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import ICAL from 'ical.js';
import type { z } from 'zod';
import { formatDateTime } from '../../format';
import { isStorableText, MAX_YEAR, MIN_YEAR, isTimeZone } from '../../validation';
import { datePreferencesOf } from '../account/date-preferences';
import type { Db } from '../db';
import { clients, sessions } from '../db/schema';
import { arrayLiteral } from '../pg-arrays';
import { EXCLUSION_VIOLATION, pgErrorCode, UNIQUE_VIOLATION } from '../pg-errors';
import { notFound } from '../practice-errors';
import { locationFromText } from '../sessions/location';
import { SLOT_HOLDING } from '../sessions/service';
import { OutOfTime, runWithin } from '../within-time';
import type { importEventsSchema } from './schemas';
import { keepBoundedZones } from './file-zones';
import { instantOfWallTime } from './zone-offsets';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Repeating events are expanded from a year back to two years ahead, and no further. */
const REPEAT_PAST_DAYS = 366;
const REPEAT_FUTURE_DAYS = 731;
/** Steps of one rule's expansion before giving up on it (FREQ=MINUTELY for years, say). */
const MAX_STEPS = 20_000;
/** Steps of all the file's rules together; rules past it are flagged as repeating too often. */
const MAX_FILE_STEPS = 100_000;
/** How long reading one file may hold the server; a real calendar takes a fraction of it. */
const READ_LIMIT_MS = 3000;
/** Dates one file may offer; more would make a preview nobody can read. */
export const MAX_EVENTS = 1000;
/** Longer UIDs cannot be indexed; no calendar app writes them. */
const MAX_UID = 500;
/** What the sessions table keeps of a location. */
const MAX_LOCATION = 500;

/** One date of an event in the file, placed in time, or the reason it cannot become a session. */
export type FileEvent = {
	key: string;
	uid: string;
	recurrenceId: Date | null;
	summary: string;
	location: string;
	attendees: string[];
} & (
	| { startsAt: Date; endsAt: Date; timeZone: string; problem: null }
	| { startsAt: Date | null; problem: string }
);

/** Text from a file, made storable: NUL and lone surrogates go, and the length is bounded. */
function storable(value: unknown, max: number): string {
	const text = typeof value === 'string' ? value : '';
	return Array.from(text).filter(isStorableText).join('').trim().slice(0, max);
}

type Placed = { ms: number; timeZone: string } | { problem: string };

const wallOf = (time: ICAL.Time) => ({
	year: time.year,
	month: time.month,
	day: time.day,
	hour: time.hour,
	minute: time.minute,
	second: time.second
});

/**
 * The instant a time of the file names. A TZID PostgreSQL and we know is read with our zone data
 * and kept as the session's zone; one only the file describes (Outlook writes Windows names) is
 * read through the file's VTIMEZONE; a floating time is read in the practitioner's zone.
 */
function place(time: ICAL.Time, tzid: string | null, ownZone: string): Placed {
	if (time.isDate) return { problem: 'An all-day event cannot become a session.' };
	if (time.year < MIN_YEAR || time.year > MAX_YEAR) {
		return { problem: `Its date is outside ${MIN_YEAR}–${MAX_YEAR}.` };
	}
	const known = tzid !== null && isTimeZone(tzid);
	if (time.zone === ICAL.Timezone.utcTimezone) {
		return { ms: time.toUnixTime() * 1000, timeZone: known ? tzid : ownZone };
	}
	if (known) return { ms: instantOfWallTime(tzid, wallOf(time)), timeZone: tzid };
	if (tzid === null) return { ms: instantOfWallTime(ownZone, wallOf(time)), timeZone: ownZone };
	// ical.js reads a TZID the file does not describe as floating time.
	if (time.zone === ICAL.Timezone.localTimezone) {
		return { problem: `Its time zone “${storable(tzid, 80)}” is not one we know.` };
	}
	return { ms: time.toUnixTime() * 1000, timeZone: ownZone };
}

const tzidOf = (component: ICAL.Component, property: string) => {
	const tzid = component.getFirstProperty(property)?.getParameter('tzid');
	return typeof tzid === 'string' ? tzid : null;
};

function attendeesOf(component: ICAL.Component): string[] {
	return component
		.getAllProperties('attendee')
		.map((p) => String(p.getFirstValue() ?? ''))
		.filter((value) => /^mailto:/i.test(value))
		.map((value) => value.slice('mailto:'.length).trim().toLowerCase());
}

const keyOf = (uid: string, recurrenceId: Date | null) =>
	JSON.stringify([uid, recurrenceId?.toISOString() ?? null]);

/** One date: the item is the event itself, or the exception that replaces this date of it. */
function fileEvent(
	uid: string,
	recurrenceId: Date | null,
	item: ICAL.Component,
	start: ICAL.Time,
	end: ICAL.Time,
	ownZone: string
): FileEvent {
	const base = {
		key: keyOf(uid, recurrenceId),
		uid,
		recurrenceId,
		summary: storable(item.getFirstPropertyValue('summary'), 200) || '(no title)',
		location: storable(item.getFirstPropertyValue('location'), MAX_LOCATION),
		attendees: attendeesOf(item)
	};
	const startTzid = tzidOf(item, 'dtstart');
	const from = place(start, startTzid, ownZone);
	if ('problem' in from) return { ...base, startsAt: null, problem: from.problem };
	const startsAt = new Date(from.ms);
	if (item.getFirstPropertyValue('status') === 'CANCELLED') {
		return { ...base, startsAt, problem: 'It is cancelled in the calendar.' };
	}
	const to = place(end, item.hasProperty('dtend') ? tzidOf(item, 'dtend') : startTzid, ownZone);
	if ('problem' in to) return { ...base, startsAt, problem: to.problem };
	if (to.ms <= from.ms) return { ...base, startsAt, problem: 'It has no duration.' };
	return { ...base, startsAt, endsAt: new Date(to.ms), timeZone: from.timeZone, problem: null };
}

const unreadable = () =>
	new TRPCError({
		code: 'BAD_REQUEST',
		message: 'This file is not an iCalendar (.ics) file we can read.'
	});

/**
 * Every date of every event in the file. Events are grouped by UID: the one without RECURRENCE-ID
 * is expanded by its RRULE/RDATE less its EXDATEs, within the window, and its exceptions replace
 * the dates they name; an exception whose event is not in the file stands alone.
 */
export function readCalendar(ics: string, ownZone: string): FileEvent[] {
	try {
		// ical.js has loops that some rules make endless (FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30 looks
		// for a date forever), out of reach of any count of ours.
		return runWithin(READ_LIMIT_MS, () => datesOf(ics, ownZone));
	} catch (error) {
		if (!(error instanceof OutOfTime)) throw error;
		throw new TRPCError({
			code: 'BAD_REQUEST',
			message:
				'This file takes too long to read. Export a shorter span of the calendar and try again.'
		});
	}
}

function datesOf(ics: string, ownZone: string): FileEvent[] {
	let root: ICAL.Component;
	try {
		const parsed: unknown = ICAL.parse(ics);
		// Several calendars in one file parse as a list of them.
		const first = Array.isArray(parsed) && Array.isArray(parsed[0]) ? parsed[0] : parsed;
		root = new ICAL.Component(first as unknown[]);
	} catch {
		throw unreadable();
	}
	if (root.name !== 'vcalendar') throw unreadable();
	keepBoundedZones(root);
	const byUid = new Map<string, ICAL.Component[]>();
	for (const component of root.getAllSubcomponents('vevent')) {
		const uid = storable(component.getFirstPropertyValue('uid'), MAX_UID + 1);
		if (!uid || uid.length > MAX_UID) continue;
		byUid.set(uid, [...(byUid.get(uid) ?? []), component]);
	}
	const windowStart = Date.now() - REPEAT_PAST_DAYS * DAY_MS;
	const windowEnd = Date.now() + REPEAT_FUTURE_DAYS * DAY_MS;
	const found: FileEvent[] = [];
	const add = (event: FileEvent) => {
		if (found.length >= MAX_EVENTS) {
			throw new TRPCError({
				code: 'BAD_REQUEST',
				message: `This file has more than ${MAX_EVENTS.toLocaleString('en')} dates from a year ago to two years ahead: export a shorter span.`
			});
		}
		found.push(event);
	};
	let stepsLeft = MAX_FILE_STEPS;
	try {
		for (const [uid, components] of byUid) {
			const master = components.find((c) => !c.hasProperty('recurrence-id'));
			const exceptions = components.filter((c) => c !== master);
			if (!master) {
				for (const exception of exceptions) {
					const event = new ICAL.Event(exception);
					const id = place(event.recurrenceId, tzidOf(exception, 'recurrence-id'), ownZone);
					const recurrenceId = 'ms' in id ? new Date(id.ms) : null;
					add(fileEvent(uid, recurrenceId, exception, event.startDate, event.endDate, ownZone));
				}
				continue;
			}
			const event = new ICAL.Event(master, { exceptions, strictExceptions: false });
			if (!event.isRecurring()) {
				add(fileEvent(uid, null, master, event.startDate, event.endDate, ownZone));
				continue;
			}
			const expansion = event.iterator();
			const masterTzid = tzidOf(master, 'dtstart');
			for (let step = 0, next = expansion.next(); next; step++, next = expansion.next()) {
				if (step >= MAX_STEPS || --stepsLeft < 0) {
					const described = fileEvent(uid, null, master, event.startDate, event.endDate, ownZone);
					add({ ...described, problem: 'It repeats too often to import.' });
					break;
				}
				// Placing a date exactly costs more: one a day or more outside the window is passed over
				// by ical.js's own reading of its zone.
				const roughly = next.toUnixTime() * 1000;
				if (roughly < windowStart - DAY_MS) continue;
				if (roughly > windowEnd + DAY_MS) break;
				const original = place(next, masterTzid, ownZone);
				if (!('ms' in original)) {
					add(fileEvent(uid, null, master, next, next, ownZone));
					break;
				}
				if (original.ms > windowEnd) break;
				if (original.ms < windowStart) continue;
				const details = event.getOccurrenceDetails(next);
				const item = details.item.component;
				add(
					fileEvent(uid, new Date(original.ms), item, details.startDate, details.endDate, ownZone)
				);
			}
		}
	} catch (error) {
		if (error instanceof TRPCError) throw error;
		// ical.js throws while expanding some rules it parsed (a malformed RRULE part): the file's fault.
		throw unreadable();
	}
	return found.sort(
		(a, b) =>
			(a.startsAt?.getTime() ?? 0) - (b.startsAt?.getTime() ?? 0) || a.key.localeCompare(b.key)
	);
}

type Range = { startsAt: Date; endsAt: Date };

/** For each range, the first slot-holding session of the owner it overlaps, if any. */
async function clashes(db: Db, ownerId: string, ranges: Range[]) {
	if (ranges.length === 0)
		return new Map<number, { startsAt: Date; timeZone: string; clientName: string }>();
	const starts = arrayLiteral(ranges.map((r) => r.startsAt.toISOString()));
	const ends = arrayLiteral(ranges.map((r) => r.endsAt.toISOString()));
	const rows = await db.execute<{
		i: number;
		starts_at: string;
		time_zone: string;
		name: string;
	}>(sql`
		select distinct on (r.i) r.i::int as i, s.starts_at, s.time_zone, c.name
		from unnest(${starts}::timestamptz[], ${ends}::timestamptz[]) with ordinality as r(s, e, i)
		join ${sessions} s on s.owner_id = ${ownerId}
			and s.status in (${sql.join(
				SLOT_HOLDING.map((status) => sql`${status}`),
				sql`, `
			)})
			and tstzrange(s.starts_at, s.ends_at, '[)') && tstzrange(r.s, r.e, '[)')
		join ${clients} c on c.id = s.client_id
		order by r.i, s.starts_at`);
	return new Map(
		rows.map((row) => [
			row.i - 1,
			{ startsAt: new Date(row.starts_at), timeZone: row.time_zone, clientName: row.name }
		])
	);
}

/** The events of the file already imported, by key. */
async function importedKeys(db: Db, ownerId: string, events: FileEvent[]): Promise<Set<string>> {
	const uids = [...new Set(events.map((event) => event.uid))];
	if (uids.length === 0) return new Set();
	const rows = await db
		.select({ uid: sessions.icalUid, recurrenceId: sessions.icalRecurrenceId })
		.from(sessions)
		.where(and(eq(sessions.ownerId, ownerId), inArray(sessions.icalUid, uids)));
	return new Set(rows.map((row) => keyOf(row.uid!, row.recurrenceId)));
}

type OwnClient = { id: string; name: string; email: string | null };

/** An attendee who is a client, or else the client whose full name the title holds (the longest). */
function guessClient(event: FileEvent, own: OwnClient[]): string | null {
	const byEmail = own.find((c) => c.email && event.attendees.includes(c.email.toLowerCase()));
	if (byEmail) return byEmail.id;
	const title = event.summary.toLocaleLowerCase();
	const named = own
		.filter((c) => c.name.length >= 3 && title.includes(c.name.toLocaleLowerCase()))
		.sort((a, b) => b.name.length - a.name.length);
	return named[0]?.id ?? null;
}

export async function previewImport(db: Db, owner: { id: string; timeZone: string }, ics: string) {
	const events = readCalendar(ics, owner.timeZone);
	const [own, imported, reader] = await Promise.all([
		db
			.select({ id: clients.id, name: clients.name, email: clients.email })
			.from(clients)
			.where(and(eq(clients.ownerId, owner.id), isNull(clients.archivedAt)))
			.orderBy(asc(sql`lower(${clients.name})`), asc(clients.id))
			.limit(2000),
		importedKeys(db, owner.id, events),
		datePreferencesOf(db, owner.id)
	]);
	const placed = events.filter((event) => event.problem === null);
	const found = await clashes(
		db,
		owner.id,
		placed.filter((event) => !imported.has(event.key))
	);
	const overlapOf = new Map(
		placed
			.filter((event) => !imported.has(event.key))
			.flatMap((event, i) => {
				const clash = found.get(i);
				if (!clash) return [];
				const when = formatDateTime(clash.startsAt, clash.timeZone, reader, 'long');
				return [[event.key, `Overlaps your session with ${clash.clientName} on ${when}.`]];
			})
	);
	return events.map((event) => ({
		key: event.key,
		summary: event.summary,
		location: event.location,
		startsAt: event.startsAt,
		endsAt: event.problem === null ? event.endsAt : null,
		timeZone: event.problem === null ? event.timeZone : null,
		problem: event.problem,
		alreadyImported: imported.has(event.key),
		overlap: overlapOf.get(event.key) ?? null,
		clientId: event.problem === null ? guessClient(event, own) : null
	}));
}

function refused(message: string): TRPCError {
	return new TRPCError({ code: 'BAD_REQUEST', message });
}

/**
 * Makes sessions of the chosen events, all or none. Events imported before are left as they are
 * and counted; any overlap, with a session or between chosen events, refuses the whole import and
 * names each one.
 */
export async function importEvents(
	db: Db,
	owner: { id: string; timeZone: string; currency: string },
	input: z.output<typeof importEventsSchema>
) {
	const events = new Map(readCalendar(input.ics, owner.timeZone).map((e) => [e.key, e]));
	const keys = new Set(input.choices.map((choice) => choice.key));
	if (keys.size !== input.choices.length) throw refused('An event was chosen twice.');
	const chosen = input.choices.map((choice) => {
		const event = events.get(choice.key);
		if (!event) throw refused('An event you chose is not in this file.');
		if (event.problem !== null) throw refused(`“${event.summary}”: ${event.problem}`);
		// PostgreSQL writes uuids in lower case; one client named in two cases is one client.
		return { ...event, clientId: choice.clientId.toLowerCase() };
	});
	const clientIds = [...new Set(chosen.map((event) => event.clientId))];
	const owned = await db
		.select({ id: clients.id })
		.from(clients)
		.where(and(eq(clients.ownerId, owner.id), inArray(clients.id, clientIds)));
	if (owned.length !== clientIds.length) throw notFound('client');
	const reader = await datePreferencesOf(db, owner.id);
	const when = (event: { startsAt: Date; timeZone: string }) =>
		formatDateTime(event.startsAt, event.timeZone, reader, 'long');

	try {
		return await db.transaction(async (tx) => {
			const imported = await importedKeys(tx, owner.id, chosen);
			const fresh = chosen
				.filter((event) => !imported.has(event.key))
				.sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
			const overlaps: string[] = [];
			fresh.forEach((event, i) => {
				const earlier = fresh.slice(0, i).find((other) => other.endsAt > event.startsAt);
				if (earlier) {
					overlaps.push(`“${event.summary}” on ${when(event)} overlaps “${earlier.summary}”.`);
				}
			});
			const found = await clashes(tx, owner.id, fresh);
			fresh.forEach((event, i) => {
				const clash = found.get(i);
				if (clash) {
					overlaps.push(
						`“${event.summary}” on ${when(event)} overlaps your session with ${clash.clientName}.`
					);
				}
			});
			if (overlaps.length > 0) {
				throw new TRPCError({
					code: 'CONFLICT',
					message: `Nothing was imported. ${overlaps.length === 1 ? 'One event overlaps' : `${overlaps.length} events overlap`}: ${overlaps.join(' ')}`
				});
			}
			const created =
				fresh.length === 0
					? []
					: await tx
							.insert(sessions)
							.values(
								fresh.map((event) => ({
									ownerId: owner.id,
									clientId: event.clientId,
									startsAt: event.startsAt,
									endsAt: event.endsAt,
									timeZone: event.timeZone,
									...locationFromText(event.location),
									currency: owner.currency,
									icalUid: event.uid,
									icalRecurrenceId: event.recurrenceId
								}))
							)
							.returning({ id: sessions.id });
			return { ids: created.map((row) => row.id), alreadyImported: chosen.length - fresh.length };
		});
	} catch (error) {
		const code = pgErrorCode(error);
		if (code !== EXCLUSION_VIOLATION && code !== UNIQUE_VIOLATION) throw error;
		// Another import or a new session took a slot between our check and the insert.
		throw new TRPCError({
			code: 'CONFLICT',
			message: 'Your sessions changed while importing. Nothing was imported; please try again.'
		});
	}
}
