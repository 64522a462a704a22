import { TRPCError } from '@trpc/server';
import {
	and,
	asc,
	eq,
	getTableColumns,
	gte,
	inArray,
	ne,
	not,
	sql,
	type Placeholder
} from 'drizzle-orm';
import type { z } from 'zod';
import { formatDateTime } from '../../format';
import { toMinorUnits } from '../../money';
import { datePreferencesOf } from '../account/date-preferences';
import type { Db } from '../db';
import {
	billedForFee,
	cancellingIsLate,
	DEFAULT_POLICY,
	setStatusBilled
} from '../billing/charges';
import { feeSum } from '../billing/fee-sum';
import {
	cancellationPolicies,
	clients,
	noteAddenda,
	sessionCharges,
	sessionNotes,
	sessionRecurrences,
	sessions
} from '../db/schema';
import type { SessionStatus } from '../db/schema';
import { followSessions, forgetMeetings } from '../integrations/zoom/meetings';
import { withinLocalDays } from '../local-days';
import { arrayLiteral } from '../pg-arrays';
import { EXCLUSION_VIOLATION, pgErrorCode } from '../pg-errors';
import { notFound } from '../practice-errors';
import { groupDatesOverlapping, seriesDatesBetween } from '../series/service';
import { fieldError } from '../trpc/errors';
import {
	type agendaSchema,
	type createSessionSchema,
	type markPaidSchema,
	MAX_MARK_PAID,
	type setPaymentSchema,
	type unpaidSchema,
	type updateSessionSchema
} from './schemas';

/** Statuses that keep their time slot; the overlap constraint covers exactly these. */
export const SLOT_HOLDING: SessionStatus[] = ['scheduled', 'completed', 'no_show'];
/** Statuses a client is charged for. */
export const BILLABLE: SessionStatus[] = ['completed', 'late_cancelled', 'no_show'];
/** What a client owes for: the conditions of the partial index sessions_owner_unpaid_idx. */
const unpaidBillable = [
	inArray(sessions.status, BILLABLE),
	eq(sessions.paymentStatus, 'unpaid'),
	ne(sessions.feeMinor, 0)
];
/** Statuses that say how a session went, which nobody knows before it has begun. */
const AFTER_START: SessionStatus[] = ['completed', 'no_show'];

/**
 * A session has begun once its start time has passed, or earlier when session mode started it
 * (a practitioner may start a few minutes early). Marking how it went and signing its note wait
 * for this; cancelling does not.
 */
export const hasBegun = sql<boolean>`(${sessions.startsAt} <= now() or ${sessions.startedAt} is not null)`;

export function notBegun(what: string): TRPCError {
	return new TRPCError({
		code: 'BAD_REQUEST',
		message: `This session has not begun yet: ${what} once it has started.`
	});
}

type Range = { startsAt: Date; endsAt: Date };

const DAY_MS = 24 * 60 * 60 * 1000;
function addDays(date: string, days: number): string {
	return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/**
 * The instants of a weekly rule, computed by PostgreSQL: each local date at the local time in the
 * zone, so 18:00 stays 18:00 on both sides of a daylight-saving change.
 */
async function expandWeekly(
	db: Db,
	rule: {
		firstDate: string;
		lastDate: string;
		intervalWeeks: number;
		startTime: string;
		timeZone: string;
	},
	durationMinutes: number
): Promise<Range[]> {
	const rows = await db.execute<{ starts_at: string; ends_at: string }>(sql`
		select starts_at, starts_at + make_interval(mins => ${durationMinutes}) as ends_at
		from (
			select (day::date + ${rule.startTime}::time) at time zone ${rule.timeZone} as starts_at
			from generate_series(${rule.firstDate}::date, ${rule.lastDate}::date,
				make_interval(days => 7 * ${rule.intervalWeeks})) as day
		) slots
		order by starts_at`);
	return rows.map((r) => ({ startsAt: new Date(r.starts_at), endsAt: new Date(r.ends_at) }));
}

/** The earliest slot-holding session that overlaps one of the ranges, for a clear message. */
async function findClash(db: Db, ownerId: string, ranges: Range[], excludeIds: string[] = []) {
	if (ranges.length === 0) return undefined;
	const starts = arrayLiteral(ranges.map((r) => r.startsAt.toISOString()));
	const ends = arrayLiteral(ranges.map((r) => r.endsAt.toISOString()));
	const [clash] = await db
		.select({ startsAt: sessions.startsAt, timeZone: sessions.timeZone, clientName: clients.name })
		.from(sessions)
		.innerJoin(clients, eq(clients.id, sessions.clientId))
		.where(
			and(
				eq(sessions.ownerId, ownerId),
				inArray(sessions.status, SLOT_HOLDING),
				excludeIds.length
					? sql`${sessions.id} <> all(${arrayLiteral(excludeIds)}::uuid[])`
					: undefined,
				sql`tstzrange(${sessions.startsAt}, ${sessions.endsAt}, '[)') && any(
					select tstzrange(s, e, '[)') from unnest(${starts}::timestamptz[], ${ends}::timestamptz[]) as r(s, e))`
			)
		)
		.orderBy(asc(sessions.startsAt))
		.limit(1);
	return clash;
}

async function describeClash(
	db: Db,
	ownerId: string,
	clash: { startsAt: Date; timeZone: string; clientName: string }
): Promise<string> {
	const reader = await datePreferencesOf(db, ownerId);
	const when = formatDateTime(clash.startsAt, clash.timeZone, reader, 'long');
	return `This overlaps your session with ${clash.clientName} on ${when}.`;
}

/**
 * Runs a write that may break the overlap constraint, in a transaction of its own. The database
 * decides (also between concurrent requests); on a clash we look up which session it was, to say
 * so beside the time. One practitioner's writes take turns: two overlapping inserts checking the
 * exclusion constraint at the same moment can each wait for the other, and PostgreSQL would end
 * one of them as a deadlock instead of a clash.
 */
async function guardOverlap<T>(
	db: Db,
	ownerId: string,
	ranges: () => Range[],
	excludeIds: string[],
	write: (tx: Db) => Promise<T>
): Promise<T> {
	try {
		return await db.transaction(async (tx) => {
			await tx.execute(
				sql`select pg_advisory_xact_lock(hashtextextended(${`sessions:${ownerId}`}, 0))`
			);
			return write(tx);
		});
	} catch (error) {
		if (pgErrorCode(error) !== EXCLUSION_VIOLATION) throw error;
		const clash = await findClash(db, ownerId, ranges(), excludeIds);
		const message = clash
			? await describeClash(db, ownerId, clash)
			: 'This overlaps another of your sessions.';
		throw new TRPCError({ code: 'CONFLICT', message, cause: fieldError('startTime', message) });
	}
}

async function assertOwnClient(db: Db, ownerId: string, clientId: string) {
	const [client] = await db
		.select({ id: clients.id })
		.from(clients)
		.where(and(eq(clients.id, clientId), eq(clients.ownerId, ownerId)));
	if (!client) throw notFound('client');
}

function priced(input: { fee: string; currency: string }) {
	return { feeMinor: toMinorUnits(input.fee, input.currency) ?? 0, currency: input.currency };
}

/** Creates one session, or every session of a weekly rule, all or none. Returns the new ids. */
export async function createSessions(
	db: Db,
	ownerId: string,
	input: z.output<typeof createSessionSchema>
): Promise<string[]> {
	await assertOwnClient(db, ownerId, input.clientId);
	const weekly = input.repeat === 'weekly';
	const lastDate = !weekly
		? input.date
		: input.repeatEnd === 'until'
			? input.until
			: addDays(input.date, 7 * input.intervalWeeks * (input.count - 1));
	const rule = {
		firstDate: input.date,
		lastDate,
		intervalWeeks: input.intervalWeeks,
		startTime: input.startTime,
		timeZone: input.timeZone
	};
	const ranges = await expandWeekly(db, rule, input.durationMinutes);

	return guardOverlap(
		db,
		ownerId,
		() => ranges,
		[],
		async (tx) => {
			let recurrenceId: string | null = null;
			if (weekly) {
				const [recurrence] = await tx
					.insert(sessionRecurrences)
					.values({
						ownerId,
						intervalWeeks: input.intervalWeeks,
						localStartTime: input.startTime,
						timeZone: input.timeZone,
						firstDate: input.date,
						untilDate: input.repeatEnd === 'until' ? input.until : null,
						count: input.repeatEnd === 'count' ? input.count : null
					})
					.returning({ id: sessionRecurrences.id });
				recurrenceId = recurrence!.id;
			}
			const created = await tx
				.insert(sessions)
				.values(
					ranges.map((range) => ({
						ownerId,
						clientId: input.clientId,
						recurrenceId,
						...range,
						timeZone: input.timeZone,
						locationKind: input.locationKind,
						locationDetail: input.locationDetail,
						...priced(input)
					}))
				)
				.returning({ id: sessions.id });
			const ids = created.map((row) => row.id);
			await followSessions(tx, ownerId, ids);
			return ids;
		}
	);
}

/** Reschedules or edits one session (not the others of its series). */
/**
 * `stillToCome`: only a scheduled session that has not begun is changed, checked on the row as
 * it is updated, so a move from the calendar cannot undo a cancellation made meanwhile.
 */
export async function updateSession(
	db: Db,
	ownerId: string,
	input: z.output<typeof updateSessionSchema>,
	{ stillToCome = false } = {}
) {
	await assertOwnClient(db, ownerId, input.clientId);
	const startsAt = sql`(${input.date}::date + ${input.startTime}::time) at time zone ${input.timeZone}`;
	let range: Range | undefined;
	const [updated] = await guardOverlap(
		db,
		ownerId,
		() => (range ? [range] : []),
		[input.id],
		async (tx) => {
			const [computed] = await tx.execute<{ starts_at: string }>(
				sql`select ${startsAt} as starts_at`
			);
			const start = new Date(computed!.starts_at);
			range = {
				startsAt: start,
				endsAt: new Date(start.getTime() + input.durationMinutes * 60_000)
			};
			const { feeMinor: listFeeMinor, currency } = priced(input);
			const rows = await tx
				.update(sessions)
				.set({
					clientId: input.clientId,
					...range,
					timeZone: input.timeZone,
					locationKind: input.locationKind,
					locationDetail: input.locationDetail,
					// The form edits the full fee; a no-show or late cancellation bills its share.
					feeMinor: await billedForFee(tx, ownerId, input.id, listFeeMinor),
					currency,
					updatedAt: new Date()
				})
				.where(
					and(
						eq(sessions.id, input.id),
						eq(sessions.ownerId, ownerId),
						stillToCome ? and(eq(sessions.status, 'scheduled'), not(hasBegun)) : undefined
					)
				)
				.returning({ id: sessions.id });
			await followSessions(
				tx,
				ownerId,
				rows.map((row) => row.id)
			);
			return rows;
		}
	);
	if (updated) return updated;
	if (stillToCome) {
		throw new TRPCError({
			code: 'BAD_REQUEST',
			message: 'Only a session still to come can be moved.'
		});
	}
	throw notFound('session');
}

async function ownedSession(db: Db, ownerId: string, id: string) {
	const [session] = await db
		.select({ ...getTableColumns(sessions), begun: hasBegun })
		.from(sessions)
		.where(and(eq(sessions.id, id), eq(sessions.ownerId, ownerId)));
	if (!session) throw notFound('session');
	return session;
}

/**
 * Sets the status of one session, or, for a cancellation with scope "following", of it and every
 * later still-scheduled session of its weekly rule. Returns the changed ids.
 */
export async function setSessionStatus(
	db: Db,
	ownerId: string,
	input: { id: string; status: SessionStatus; scope: 'this' | 'following' }
): Promise<string[]> {
	const session = await ownedSession(db, ownerId, input.id);
	if (AFTER_START.includes(input.status) && !session.begun) {
		throw notBegun('mark it completed or no-show');
	}
	const cancelling = input.status === 'cancelled' || input.status === 'late_cancelled';
	const following = cancelling && input.scope === 'following' && session.recurrenceId;
	return guardOverlap(
		db,
		ownerId,
		() => [session],
		[session.id],
		async (tx) => {
			const ids = await setStatusBilled(
				tx,
				ownerId,
				following
					? and(
							eq(sessions.recurrenceId, session.recurrenceId!),
							gte(sessions.startsAt, session.startsAt),
							sql`(${sessions.id} = ${session.id} or ${sessions.status} = 'scheduled')`
						)
					: eq(sessions.id, session.id),
				input.status
			);
			await followSessions(tx, ownerId, ids);
			return ids;
		}
	);
}

export async function setSessionPayment(
	db: Db,
	ownerId: string,
	input: z.output<typeof setPaymentSchema>
) {
	const paid = input.paymentStatus === 'paid';
	const [updated] = await db
		.update(sessions)
		.set({
			paymentStatus: input.paymentStatus,
			// Paid today, in the session's own time zone, unless a date is given.
			paidOn: paid ? (input.paidOn ?? sql`(now() at time zone ${sessions.timeZone})::date`) : null,
			updatedAt: new Date()
		})
		.where(and(eq(sessions.id, input.id), eq(sessions.ownerId, ownerId)))
		.returning({ id: sessions.id });
	if (!updated) throw notFound('session');
	return updated;
}

/**
 * Marks several sessions paid on one date, all or none: a single session that is not the
 * caller's refuses the whole call. Sessions already paid or waived keep their status and date.
 * Returns the ids that changed.
 */
export async function markSessionsPaid(
	db: Db,
	ownerId: string,
	input: z.output<typeof markPaidSchema>
): Promise<string[]> {
	// PostgreSQL writes uuids in lower case; one session named twice is named once.
	const ids = [...new Set(input.ids.map((id) => id.toLowerCase()))];
	return db.transaction(async (tx) => {
		const owned = await tx
			.select({ id: sessions.id })
			.from(sessions)
			.where(and(inArray(sessions.id, ids), eq(sessions.ownerId, ownerId)))
			.for('update');
		if (owned.length !== ids.length) throw notFound('session');
		const updated = await tx
			.update(sessions)
			.set({ paymentStatus: 'paid', paidOn: input.paidOn, updatedAt: new Date() })
			.where(
				and(
					inArray(sessions.id, ids),
					eq(sessions.ownerId, ownerId),
					eq(sessions.paymentStatus, 'unpaid')
				)
			)
			.returning({ id: sessions.id });
		return updated.map((row) => row.id);
	});
}

/** What clients owe, session by session: the unpaid billable ones, oldest first by client. */
export async function unpaidSessions(
	db: Db,
	ownerId: string,
	input: z.output<typeof unpaidSchema>
) {
	const rows = await db
		.select({
			id: sessions.id,
			clientId: sessions.clientId,
			clientName: clients.name,
			startsAt: sessions.startsAt,
			endsAt: sessions.endsAt,
			status: sessions.status,
			feeMinor: sessions.feeMinor,
			currency: sessions.currency
		})
		.from(sessions)
		.innerJoin(clients, eq(clients.id, sessions.clientId))
		.where(
			and(
				eq(sessions.ownerId, ownerId),
				input.clientId ? eq(sessions.clientId, input.clientId) : undefined,
				...unpaidBillable
			)
		)
		.orderBy(asc(sql`lower(${clients.name})`), asc(clients.id), asc(sessions.startsAt))
		.limit(MAX_MARK_PAID + 1);
	return { sessions: rows.slice(0, MAX_MARK_PAID), more: rows.length > MAX_MARK_PAID };
}

/** Session mode's Start: the first press counts, a second one changes nothing. */
export async function startSession(db: Db, ownerId: string, id: string) {
	const [updated] = await db
		.update(sessions)
		.set({ startedAt: sql`coalesce(${sessions.startedAt}, now())`, updatedAt: new Date() })
		.where(and(eq(sessions.id, id), eq(sessions.ownerId, ownerId)))
		.returning({ id: sessions.id, startedAt: sessions.startedAt });
	if (!updated) throw notFound('session');
	return updated;
}

export async function finishSession(db: Db, ownerId: string, id: string) {
	const session = await ownedSession(db, ownerId, id);
	if (!session.begun) throw notBegun('finish it');
	await guardOverlap(
		db,
		ownerId,
		() => [session],
		[id],
		async (tx) => {
			await setStatusBilled(tx, ownerId, eq(sessions.id, id), 'completed');
			await tx
				.update(sessions)
				.set({
					startedAt: sql`coalesce(${sessions.startedAt}, now())`,
					finishedAt: sql`coalesce(${sessions.finishedAt}, now())`
				})
				.where(and(eq(sessions.id, id), eq(sessions.ownerId, ownerId)));
		}
	);
	return { id };
}

export async function deleteSession(db: Db, ownerId: string, id: string) {
	const [deleted] = await db.transaction(async (tx) => {
		const rows = await tx
			.delete(sessions)
			.where(and(eq(sessions.id, id), eq(sessions.ownerId, ownerId)))
			.returning({ id: sessions.id, meetingId: sessions.meetingId });
		await forgetMeetings(tx, 'session', ownerId, rows);
		return rows;
	});
	if (!deleted) throw notFound('session');
	return { id: deleted.id };
}

const agendaColumns = {
	id: sessions.id,
	clientId: sessions.clientId,
	clientName: clients.name,
	startsAt: sessions.startsAt,
	endsAt: sessions.endsAt,
	timeZone: sessions.timeZone,
	status: sessions.status,
	paymentStatus: sessions.paymentStatus,
	feeMinor: sessions.feeMinor,
	currency: sessions.currency,
	locationKind: sessions.locationKind,
	locationDetail: sessions.locationDetail,
	startedAt: sessions.startedAt,
	finishedAt: sessions.finishedAt,
	begun: hasBegun,
	recurring: sql<boolean>`${sessions.recurrenceId} is not null`
};

/** Sessions from the start of `fromDate` for `days` local days, in the practitioner's zone. */
function sessionsBetween(
	db: Db,
	ownerId: string,
	timeZone: string,
	fromDate: string,
	days: number
) {
	return db
		.select(agendaColumns)
		.from(sessions)
		.innerJoin(clients, eq(clients.id, sessions.clientId))
		.where(
			and(
				eq(sessions.ownerId, ownerId),
				withinLocalDays(sessions.startsAt, timeZone, fromDate, days)
			)
		)
		.orderBy(asc(sessions.startsAt));
}

type GroupDate = Awaited<ReturnType<typeof seriesDatesBetween>>[number];

/**
 * Each session with the group date it overlaps, if any. The exclusion constraint covers sessions
 * only, so a one-to-one on top of a group date is allowed, and shown as a clash.
 */
function withGroupClashes<S extends { startsAt: Date; endsAt: Date; status: SessionStatus }>(
	rows: S[],
	dates: GroupDate[]
) {
	return rows.map((session) => {
		const clash = SLOT_HOLDING.includes(session.status)
			? dates.find(
					(date) =>
						date.status === 'scheduled' &&
						date.startsAt < session.endsAt &&
						session.startsAt < date.endsAt
				)
			: undefined;
		return {
			...session,
			groupClash: clash ? { seriesId: clash.seriesId, title: clash.title } : null
		};
	});
}

/** Sessions and group dates of `days` local days, each in one query. */
export async function practiceBetween(
	db: Db,
	ownerId: string,
	timeZone: string,
	fromDate: string,
	days: number
) {
	const [rows, seriesDates] = await Promise.all([
		sessionsBetween(db, ownerId, timeZone, fromDate, days),
		seriesDatesBetween(db, ownerId, timeZone, fromDate, days)
	]);
	return { sessions: withGroupClashes(rows, seriesDates), seriesDates };
}

export function agenda(
	db: Db,
	ownerId: string,
	timeZone: string,
	input: z.output<typeof agendaSchema>
) {
	return practiceBetween(db, ownerId, timeZone, input.date, input.view === 'day' ? 1 : 7);
}

/** One session with its client, note and addenda: the session page and session mode. */
export async function getSession(db: Db, ownerId: string, id: string) {
	const [row] = await db
		.select({
			...agendaColumns,
			clientEmail: clients.email,
			clientPhone: clients.phone,
			paidOn: sessions.paidOn,
			note: sessionNotes,
			charge: sessionCharges,
			meetingState: sessions.meetingState,
			meetingError: sessions.meetingError,
			hasMeeting: sql<boolean>`${sessions.joinUrl} is not null`,
			cancellingIsLate: cancellingIsLate(
				sql`coalesce(${cancellationPolicies.lateCancelWindowHours}, ${DEFAULT_POLICY.lateCancelWindowHours})`
			)
		})
		.from(sessions)
		.innerJoin(clients, eq(clients.id, sessions.clientId))
		.leftJoin(sessionNotes, eq(sessionNotes.sessionId, sessions.id))
		.leftJoin(sessionCharges, eq(sessionCharges.sessionId, sessions.id))
		.leftJoin(cancellationPolicies, eq(cancellationPolicies.ownerId, sessions.ownerId))
		.where(and(eq(sessions.id, id), eq(sessions.ownerId, ownerId)));
	if (!row) throw notFound('session');
	const [addenda, groupClashes] = await Promise.all([
		row.note
			? db
					.select({ id: noteAddenda.id, body: noteAddenda.body, createdAt: noteAddenda.createdAt })
					.from(noteAddenda)
					.where(eq(noteAddenda.noteId, row.note.id))
					.orderBy(asc(noteAddenda.createdAt))
			: [],
		SLOT_HOLDING.includes(row.status) ? groupDatesOverlapping(db, ownerId, row) : []
	]);
	return { ...row, addenda, groupClashes };
}

/** What is owed for sessions that were billable and are still unpaid, per currency. */
export function owedByCurrency(
	db: Db,
	ownerId: string | Placeholder,
	clientId?: string | Placeholder
) {
	return db
		.select({ currency: sessions.currency, minor: feeSum() })
		.from(sessions)
		.where(
			and(
				eq(sessions.ownerId, ownerId),
				clientId ? eq(sessions.clientId, clientId) : undefined,
				...unpaidBillable
			)
		)
		.groupBy(sessions.currency)
		.orderBy(sessions.currency);
}
