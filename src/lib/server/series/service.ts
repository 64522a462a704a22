import { and, asc, desc, eq, gt, inArray, isNull, lt, ne, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db';
import {
	emailDeliveries,
	series,
	seriesOccurrences,
	subscribers,
	TAKING_A_PLACE,
	type OccurrenceRow,
	type SeriesRow,
	type SubscriberRow
} from '../db/schema';
import { UNIQUE_VIOLATION, pgErrorCode } from '../pg-errors';
import { notFound } from '../practice-errors';
import { TRPCError } from '@trpc/server';
import { fieldError } from '../trpc/errors';
import { withinLocalDays } from '../local-days';
import { followSeries, followSeriesDates, forgetMeetings } from '../integrations/zoom/meetings';
import { connectedAccount, merchantOf, paymentsBlocked, type Merchant } from '../payments/accounts';
import { endSeriesSubscriptions } from '../payments/subscriptions';
import {
	paymentsRefusal,
	retirePrice,
	seriesPriceOnStripe,
	type PricedSeries
} from '../payments/series-prices';
import { priceOf, weekdaysOf, type SeriesFields } from './schemas';

/** How far ahead occurrences exist; the hourly job keeps moving this window forward. */
export const HORIZON_DAYS = 90;

/** drizzle spreads JS arrays into parameter lists; an array literal stays one parameter. */
const intArray = (values: number[]) => `{${values.map((v) => Math.trunc(v)).join(',')}}`;

function columnsFrom(fields: SeriesFields) {
	return {
		title: fields.title,
		description: fields.description,
		timeZone: fields.timeZone,
		weekdays: weekdaysOf(fields),
		localStartTime: fields.startTime,
		startDate: fields.startDate,
		endDate: fields.endKind === 'date' ? fields.endDate : null,
		occurrenceCount: fields.endKind === 'count' ? fields.occurrenceCount : null,
		durationMinutes: fields.durationMinutes,
		capacity: fields.capacity,
		locationKind: fields.locationKind,
		locationDetail: fields.locationDetail,
		reminderOffsets: [...(fields.remind24h ? [1440] : []), ...(fields.remind1h ? [60] : [])],
		...priceOf(fields)
	};
}

type PriceTerms = Pick<SeriesRow, 'priceMinor' | 'currency' | 'billingInterval'>;

const sameTerms = (a: PriceTerms, b: PriceTerms) =>
	a.priceMinor === b.priceMinor &&
	a.currency === b.currency &&
	a.billingInterval === b.billingInterval;

/** The row still has these terms: what was made on Stripe for them may be stored. */
const stillPriced = (terms: PriceTerms) =>
	and(
		sql`${series.priceMinor} is not distinct from ${terms.priceMinor}`,
		sql`${series.currency} is not distinct from ${terms.currency}`,
		sql`${series.billingInterval} is not distinct from ${terms.billingInterval}`
	);

const priced = (row: SeriesRow): PricedSeries | null =>
	row.priceMinor !== null && row.currency !== null && row.billingInterval !== null
		? {
				...row,
				priceMinor: row.priceMinor,
				currency: row.currency,
				billingInterval: row.billingInterval
			}
		: null;

const changedMeanwhile = () =>
	new TRPCError({
		code: 'CONFLICT',
		message: 'This series was changed meanwhile, perhaps in another tab. Reload it and try again.'
	});

function slugify(title: string): string {
	const base = title
		.normalize('NFKD')
		.replace(/[\u0300-\u036f]/g, '')
		.toLowerCase()
		.replace(/[^a-z0-9]+/g, '-')
		.replace(/^-+|-+$/g, '')
		.slice(0, 50)
		.replace(/-+$/, '');
	return base.length >= 3 ? base : `series-${base || 'new'}`.replace(/-$/, '');
}

const slugTaken = () => {
	const message = 'That address is taken; choose another.';
	return new TRPCError({ code: 'CONFLICT', message, cause: fieldError('slug', message) });
};

/**
 * Creates occurrences from the series' rule up to the horizon, in PostgreSQL so each local date
 * and time becomes the right instant across daylight-saving changes. Dates before today are
 * skipped, a count limit is respected, and existing dates (also moved ones) are never duplicated.
 */
export async function materialize(
	db: Db,
	row: SeriesRow,
	horizonDays = HORIZON_DAYS
): Promise<void> {
	const added = await db.execute<{ id: string }>(sql`
		with bounds as (
			select greatest(${row.startDate}::date,
					coalesce(${row.materializedUntil}::date + 1, (now() at time zone ${row.timeZone})::date)) as first_day,
				least(coalesce(${row.endDate}::date, 'infinity'::date),
					(now() at time zone ${row.timeZone})::date + ${horizonDays}::int) as last_day
		), days as (
			select day::date as day, row_number() over (order by day) as k
			from bounds, generate_series(bounds.first_day, bounds.last_day, interval '1 day') as day
			where extract(isodow from day)::int = any(${intArray(row.weekdays)}::int[])
		), existing as (
			select count(*)::int as n from ${seriesOccurrences} where ${seriesOccurrences.seriesId} = ${row.id}
		)
		insert into ${seriesOccurrences} (series_id, owner_id, original_starts_at, starts_at, ends_at)
		select ${row.id}, ${row.ownerId}, slot, slot, slot + make_interval(mins => ${row.durationMinutes})
		from days, existing,
			lateral (select (days.day + ${row.localStartTime}::time) at time zone ${row.timeZone} as slot) s
		where ${row.occurrenceCount}::int is null or existing.n + days.k <= ${row.occurrenceCount}::int
		on conflict (series_id, original_starts_at) do nothing
		returning id`);
	await followSeriesDates(
		db,
		row.ownerId,
		added.map((date) => date.id)
	);
	await db
		.update(series)
		.set({
			materializedUntil: sql`(now() at time zone ${row.timeZone})::date + ${horizonDays}::int`
		})
		.where(eq(series.id, row.id));
}

/** The hourly job: move every live series' window forward. */
export async function extendAllSeries(db: Db, horizonDays = HORIZON_DAYS): Promise<void> {
	const due = await db
		.select()
		.from(series)
		.where(
			and(
				inArray(series.status, ['draft', 'published']),
				or(
					isNull(series.materializedUntil),
					lt(
						series.materializedUntil,
						sql`(now() at time zone ${series.timeZone})::date + ${horizonDays}::int`
					)
				)
			)
		);
	for (const row of due) await db.transaction((tx) => materialize(tx, row, horizonDays));
}

export async function createSeries(db: Db, ownerId: string, fields: SeriesFields) {
	const wanted = fields.slug || slugify(fields.title);
	for (let attempt = 0; attempt < 5; attempt++) {
		const slug = attempt === 0 ? wanted : `${wanted}-${Math.random().toString(36).slice(2, 6)}`;
		try {
			return await db.transaction(async (tx) => {
				const [row] = await tx
					.insert(series)
					.values({ ownerId, slug, ...columnsFrom(fields) })
					.returning();
				await materialize(tx, row!);
				return { id: row!.id, slug };
			});
		} catch (error) {
			if (pgErrorCode(error) !== UNIQUE_VIOLATION) throw error;
			if (fields.slug) throw slugTaken();
		}
	}
	throw slugTaken();
}

async function ownedSeries(db: Db, ownerId: string, id: string) {
	const [row] = await db
		.select()
		.from(series)
		.where(and(eq(series.id, id), eq(series.ownerId, ownerId)));
	if (!row) throw notFound('series');
	return row;
}

/**
 * Saves new settings. When the schedule changed, upcoming dates that were not moved by hand are
 * dropped and laid out again from the new rule; past dates stay as they were. A published paid
 * series gets a new Stripe Price for new terms (made first, outside the transaction), and the old
 * one is retired once the series points at the new one; a draft's Price waits for publishing.
 */
export async function updateSeries(db: Db, ownerId: string, id: string, fields: SeriesFields) {
	const before = await ownedSeries(db, ownerId, id);
	const columns = columnsFrom(fields);
	const rescheduled =
		before.timeZone !== columns.timeZone ||
		before.localStartTime.slice(0, 5) !== columns.localStartTime ||
		before.startDate !== columns.startDate ||
		before.endDate !== columns.endDate ||
		before.occurrenceCount !== columns.occurrenceCount ||
		before.durationMinutes !== columns.durationMinutes ||
		intArray(before.weekdays) !== intArray(columns.weekdays);
	const stripe = await stripeChanges(db, before, { ...before, ...columns });
	try {
		const updated = await db.transaction(async (tx) => {
			const [row] = await tx
				.update(series)
				.set({
					...columns,
					...stripe.ids,
					slug: fields.slug || before.slug,
					updatedAt: new Date(),
					...(rescheduled ? { materializedUntil: null } : {})
				})
				.where(
					and(
						eq(series.id, id),
						eq(series.status, before.status),
						or(
							sql`${series.stripePriceId} is not distinct from ${before.stripePriceId}`,
							// The same change sent twice: the first already stored this Price.
							'stripePriceId' in stripe.ids
								? sql`${series.stripePriceId} is not distinct from ${stripe.ids.stripePriceId}`
								: undefined
						)
					)
				)
				.returning();
			if (!row) throw changedMeanwhile();
			if (before.priceMinor !== null && row.priceMinor === null) await refuseWhilePaying(tx, id);
			if (rescheduled) {
				const dropped = await tx
					.delete(seriesOccurrences)
					.where(
						and(
							eq(seriesOccurrences.seriesId, id),
							gt(seriesOccurrences.startsAt, sql`now()`),
							eq(seriesOccurrences.startsAt, seriesOccurrences.originalStartsAt),
							eq(seriesOccurrences.status, 'scheduled')
						)
					)
					.returning({ id: seriesOccurrences.id, meetingId: seriesOccurrences.meetingId });
				await forgetMeetings(tx, 'occurrence', ownerId, dropped);
				await materialize(tx, row);
			}
			// The location may have become Zoom, or stopped being it.
			await followSeries(tx, ownerId, id);
			return { id, slug: row.slug, rescheduled };
		});
		if (stripe.retire) await retirePrice(stripe.retire.merchant, stripe.retire.priceId);
		return updated;
	} catch (error) {
		if (pgErrorCode(error) === UNIQUE_VIOLATION) throw slugTaken();
		throw error;
	}
}

/**
 * What saving `after` takes on Stripe, done now: the ids to store with it, and a Price to retire
 * once stored. New terms on a published series need payments to work; a new title alone is
 * passed on to the Product when they do.
 */
async function stripeChanges(
	db: Db,
	before: SeriesRow,
	after: SeriesRow
): Promise<{
	ids: { stripeProductId?: string; stripePriceId?: string | null };
	retire: { merchant: Merchant; priceId: string } | null;
}> {
	const newTerms = !sameTerms(before, after);
	const paid = priced(after);
	if (!paid) {
		if (!before.stripePriceId) return { ids: {}, retire: null };
		const { merchant } = await merchantOf(db, before.ownerId);
		const retire = merchant && { merchant, priceId: before.stripePriceId };
		return { ids: { stripePriceId: null }, retire };
	}
	if (before.status !== 'published') return { ids: {}, retire: null };
	if (!newTerms && (before.title === after.title || !before.stripeProductId)) {
		return { ids: {}, retire: null };
	}
	const { merchant, blocked } = await merchantOf(db, before.ownerId);
	if (!merchant) {
		if (newTerms) throw paymentsRefusal(blocked, 'A published series can take a new price');
		return { ids: {}, retire: null };
	}
	const made = await seriesPriceOnStripe(merchant, paid);
	return {
		ids: { stripeProductId: made.stripeProductId, stripePriceId: made.stripePriceId },
		retire: made.replaced ? { merchant, priceId: made.replaced } : null
	};
}

/** A series people pay for stays paid: making it free would leave them paying for nothing. */
async function refuseWhilePaying(db: Db, seriesId: string) {
	const [{ paying } = { paying: 0 }] = await db
		.select({ paying: sql<number>`count(*)::int` })
		.from(subscribers)
		.where(
			and(eq(subscribers.seriesId, seriesId), inArray(subscribers.payment, ['paid', 'past_due']))
		);
	if (paying > 0) {
		const message = `${paying === 1 ? '1 person pays' : `${paying} people pay`} for this series: it can become free once no one does. Cancel their subscriptions first.`;
		throw new TRPCError({ code: 'CONFLICT', message, cause: fieldError('pricing', message) });
	}
}

/**
 * Publishing a paid series first makes its Product and Price on the owner's connected account
 * (outside any transaction), then stores them with the status, provided the price did not change
 * meanwhile; if it did, the Stripe side is made again for the new price.
 */
export async function setSeriesStatus(
	db: Db,
	ownerId: string,
	id: string,
	status: SeriesRow['status']
) {
	if (status === 'archived') await endSeriesSubscriptions(db, ownerId, id, 'period end');
	for (let attempt = 0; attempt < 3; attempt++) {
		const before = await ownedSeries(db, ownerId, id);
		const paid = status === 'published' ? priced(before) : null;
		let made: Awaited<ReturnType<typeof seriesPriceOnStripe>> | null = null;
		let merchant: Merchant | null = null;
		if (paid) {
			const found = await merchantOf(db, ownerId);
			if (!found.merchant) throw paymentsRefusal(found.blocked, 'A paid series can be published');
			merchant = found.merchant;
			made = await seriesPriceOnStripe(merchant, paid);
		}
		const row = await db.transaction(async (tx) => {
			const [changed] = await tx
				.update(series)
				.set({
					status,
					updatedAt: new Date(),
					...(made && { stripeProductId: made.stripeProductId, stripePriceId: made.stripePriceId })
				})
				.where(
					and(
						eq(series.id, id),
						eq(series.ownerId, ownerId),
						status === 'published' ? stillPriced(before) : undefined
					)
				)
				.returning({ id: series.id, slug: series.slug, status: series.status });
			// Archived dates give up their meetings; dates of a series taken out of the archive get them.
			if (changed) await followSeries(tx, ownerId, id);
			return changed;
		});
		if (row) {
			if (merchant && made?.replaced) await retirePrice(merchant, made.replaced);
			return row;
		}
	}
	throw changedMeanwhile();
}

/**
 * Deletes the series with its dates and every subscriber's data (cascading keys), including the
 * record of emails sent to them, whose keys name the subscriber.
 */
export async function deleteSeries(db: Db, ownerId: string, id: string) {
	await endSeriesSubscriptions(db, ownerId, id, 'now');
	return db.transaction(async (tx) => {
		await tx.execute(sql`
			delete from ${emailDeliveries} d using ${subscribers} s
			where s.series_id = ${id} and s.owner_id = ${ownerId} and d.key like '%' || s.id::text || '%'`);
		const dates = await tx
			.select({ id: seriesOccurrences.id, meetingId: seriesOccurrences.meetingId })
			.from(seriesOccurrences)
			.where(and(eq(seriesOccurrences.seriesId, id), eq(seriesOccurrences.ownerId, ownerId)));
		await forgetMeetings(tx, 'occurrence', ownerId, dates);
		const [row] = await tx
			.delete(series)
			.where(and(eq(series.id, id), eq(series.ownerId, ownerId)))
			.returning({ id: series.id, slug: series.slug });
		if (!row) throw notFound('series');
		return row;
	});
}

// In a single-table select drizzle leaves column names unqualified, which inside a subquery would
// bind to the subquery's own table; these correlated subqueries spell the names out.
const countOf = (...statuses: SubscriberRow['status'][]) =>
	sql<number>`(select count(*)::int from subscribers s where s.series_id = "series"."id" and s.status in (${sql.join(
		statuses.map((status) => sql`${status}`),
		sql`, `
	)}))`;
const placesTaken = countOf(...TAKING_A_PLACE);

export function listSeries(db: Db, ownerId: string) {
	return db
		.select({
			id: series.id,
			slug: series.slug,
			title: series.title,
			status: series.status,
			priceMinor: series.priceMinor,
			currency: series.currency,
			billingInterval: series.billingInterval,
			capacity: series.capacity,
			timeZone: series.timeZone,
			taken: placesTaken,
			waitlisted: countOf('waitlisted'),
			pending: countOf('pending'),
			nextStartsAt: sql<Date | null>`(select min(o.starts_at) from series_occurrences o
				where o.series_id = "series"."id" and o.status = 'scheduled' and o.starts_at > now())`.mapWith(
				(v: string | null) => (v ? new Date(v) : null)
			)
		})
		.from(series)
		.where(eq(series.ownerId, ownerId))
		.orderBy(desc(series.createdAt));
}

/** Why the practitioner's paid series cannot be published now, or null when they can be. */
export async function publishingBlocked(db: Db, ownerId: string): Promise<string | null> {
	return paymentsBlocked(await connectedAccount(db, ownerId));
}

/** The series page: settings, upcoming dates and counts, and whether payments work. */
export async function getSeries(db: Db, ownerId: string, id: string) {
	const row = await ownedSeries(db, ownerId, id);
	const [occurrences, [counts], blocked] = await Promise.all([
		db
			.select()
			.from(seriesOccurrences)
			.where(and(eq(seriesOccurrences.seriesId, id), gt(seriesOccurrences.endsAt, sql`now()`)))
			.orderBy(asc(seriesOccurrences.startsAt))
			.limit(60),
		db
			.select({
				taken: placesTaken,
				held: countOf('held'),
				waitlisted: countOf('waitlisted'),
				pending: countOf('pending')
			})
			.from(series)
			.where(eq(series.id, id)),
		publishingBlocked(db, ownerId)
	]);
	return { series: row, occurrences, counts: counts!, paymentsBlocked: blocked };
}

async function ownedOccurrence(db: Db, ownerId: string, occurrenceId: string) {
	const [row] = await db
		.select()
		.from(seriesOccurrences)
		.where(and(eq(seriesOccurrences.id, occurrenceId), eq(seriesOccurrences.ownerId, ownerId)));
	if (!row) throw notFound('date');
	return row;
}

/**
 * Cancels a date, or puts a cancelled one back on. Returns the date as changed, or null when it
 * already had that status: under the row's lock only one of two concurrent requests changes it,
 * so subscribers are told once.
 */
export async function setOccurrenceStatus(
	db: Db,
	ownerId: string,
	occurrenceId: string,
	status: OccurrenceRow['status']
): Promise<OccurrenceRow | null> {
	const occurrence = await ownedOccurrence(db, ownerId, occurrenceId);
	const [changed] = await db
		.update(seriesOccurrences)
		.set({ status, updatedAt: new Date() })
		.where(and(eq(seriesOccurrences.id, occurrence.id), ne(seriesOccurrences.status, status)))
		.returning();
	if (!changed) return null;
	await followSeriesDates(db, ownerId, [changed.id]);
	return changed;
}

/** Moves one date to another local date and time in the series' zone, keeping its length. */
export async function moveOccurrence(
	db: Db,
	ownerId: string,
	input: { occurrenceId: string; date: string; startTime: string }
) {
	const occurrence = await ownedOccurrence(db, ownerId, input.occurrenceId);
	const [row] = await db
		.select({ timeZone: series.timeZone })
		.from(series)
		.where(eq(series.id, occurrence.seriesId));
	const length = occurrence.endsAt.getTime() - occurrence.startsAt.getTime();
	const [moved] = await db
		.update(seriesOccurrences)
		.set({
			startsAt: sql`(${input.date}::date + ${input.startTime}::time) at time zone ${row!.timeZone}`,
			endsAt: sql`(${input.date}::date + ${input.startTime}::time) at time zone ${row!.timeZone} + make_interval(secs => ${length / 1000})`,
			status: 'scheduled',
			updatedAt: new Date()
		})
		.where(eq(seriesOccurrences.id, occurrence.id))
		.returning();
	await followSeriesDates(db, ownerId, [occurrence.id]);
	return { before: occurrence, after: moved! };
}

const groupDateColumns = {
	id: seriesOccurrences.id,
	seriesId: series.id,
	title: series.title,
	startsAt: seriesOccurrences.startsAt,
	endsAt: seriesOccurrences.endsAt,
	status: seriesOccurrences.status,
	capacity: series.capacity,
	placesTaken
};

/**
 * The owner's group dates of series still running (drafts included: they are planned time too)
 * that meet `conditions`, with places taken, in one query.
 */
function liveGroupDates(db: Db, ownerId: string, ...conditions: SQL[]) {
	return db
		.select(groupDateColumns)
		.from(seriesOccurrences)
		.innerJoin(series, eq(series.id, seriesOccurrences.seriesId))
		.where(
			and(eq(seriesOccurrences.ownerId, ownerId), ne(series.status, 'archived'), ...conditions)
		)
		.orderBy(asc(seriesOccurrences.startsAt));
}

/** Group dates of `days` local days from `fromDate`. */
export function seriesDatesBetween(
	db: Db,
	ownerId: string,
	timeZone: string,
	fromDate: string,
	days: number
) {
	return liveGroupDates(
		db,
		ownerId,
		withinLocalDays(seriesOccurrences.startsAt, timeZone, fromDate, days)
	);
}

/** The group dates still on that overlap a time range: a one-to-one booked on top of them. */
export function groupDatesOverlapping(
	db: Db,
	ownerId: string,
	range: { startsAt: Date; endsAt: Date }
) {
	return liveGroupDates(
		db,
		ownerId,
		eq(seriesOccurrences.status, 'scheduled'),
		lt(seriesOccurrences.startsAt, range.endsAt),
		gt(seriesOccurrences.endsAt, range.startsAt)
	);
}
