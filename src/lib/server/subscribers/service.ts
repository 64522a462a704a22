import { TRPCError } from '@trpc/server';
import { and, asc, eq, gt, ilike, inArray, like, or, sql } from 'drizzle-orm';
import type { z } from 'zod';
import { hitEach, limits } from '../auth/rate-limit';
import { datePreferencesOf } from '../account/date-preferences';
import type { Client } from '../auth/session';
import type { Db } from '../db';
import { perDatabase } from '../db/per-database';
import {
	emailDeliveries,
	series,
	seriesOccurrences,
	subscribers,
	type SeriesRow,
	type SubscriberRow
} from '../db/schema';
import { queueEmail, queueEmails, type QueuedEmail } from '../email/deliveries';
import { subscriberMessage, whenInZone } from '../email/subscriber-messages';
import { renderNote } from '../notes/markdown';
import { keyedBatches, type ItemOutcome } from '../keyed-batches';
import { pgErrorCode } from '../pg-errors';
import { notFound } from '../practice-errors';
import { icsCalendar } from '../series/ics';
import { signLink, verifyLink } from '../signed-links';
import type { publicSignupSchema } from './schemas';

export const subscriberLinks = async (db: Db, origin: string, subscriberId: string) => ({
	manageUrl: `${origin}/m/${await signLink(db, 'manage', subscriberId)}`,
	unsubscribeUrl: `${origin}/u/${await signLink(db, 'unsubscribe', subscriberId)}`
});

function upcoming(db: Db, seriesId: string, limit: number) {
	return db
		.select()
		.from(seriesOccurrences)
		.where(
			and(
				eq(seriesOccurrences.seriesId, seriesId),
				eq(seriesOccurrences.status, 'scheduled'),
				gt(seriesOccurrences.startsAt, sql`now()`)
			)
		)
		.orderBy(asc(seriesOccurrences.startsAt))
		.limit(limit);
}

async function activeCount(db: Db, seriesId: string): Promise<number> {
	const [row] = await db
		.select({ n: sql<number>`count(*)::int` })
		.from(subscribers)
		.where(and(eq(subscribers.seriesId, seriesId), eq(subscribers.status, 'active')));
	return row!.n;
}

/** The public page's series: read on every visit and every signup, so built once per handle. */
const seriesBySlug = perDatabase((db) =>
	db
		.select()
		.from(series)
		.where(eq(series.slug, sql.placeholder('slug')))
		.prepare('series_by_slug')
);

/** What the public page shows: only published series, and nothing about who signed up. */
export async function publicSeries(db: Db, slug: string) {
	const [row] = await seriesBySlug(db).execute({ slug });
	if (!row || row.status === 'draft') throw notFound('series');
	const [dates, taken, writing] = await Promise.all([
		upcoming(db, row.id, 12),
		activeCount(db, row.id),
		datePreferencesOf(db, row.ownerId)
	]);
	return {
		// The practitioner's way of writing dates, and not their own time zone.
		writing: { locale: writing.locale, clock: writing.clock },
		id: row.id,
		slug: row.slug,
		title: row.title,
		descriptionHtml: renderNote(row.description),
		timeZone: row.timeZone,
		durationMinutes: row.durationMinutes,
		locationKind: row.locationKind,
		address: row.locationKind === 'in_person' ? row.locationDetail : '',
		open: row.status === 'published',
		capacity: row.capacity,
		spotsLeft: Math.max(0, row.capacity - taken),
		dates: dates.map((d) => ({ id: d.id, startsAt: d.startsAt, endsAt: d.endsAt }))
	};
}

export async function spotsLeft(db: Db, seriesId: string): Promise<number> {
	const [row] = await db
		.select({ capacity: series.capacity })
		.from(series)
		.where(eq(series.id, seriesId));
	return row ? Math.max(0, row.capacity - (await activeCount(db, seriesId))) : 0;
}

type Mail = {
	subject: string;
	paragraphs: string[];
	action?: { label: string; url: string };
};

/** One email to a subscriber, greeting them by name, with their manage and unsubscribe links. */
async function subscriberEmail(
	db: Db,
	origin: string,
	key: string,
	purpose: string,
	subscriber: Pick<SubscriberRow, 'id' | 'email' | 'name'>,
	seriesTitle: string,
	mail: Mail,
	attachments?: { filename: string; content: string; contentType: string }[]
): Promise<QueuedEmail> {
	const links = await subscriberLinks(db, origin, subscriber.id);
	const email = subscriberMessage({
		to: subscriber.email,
		seriesTitle,
		greeting: `Hello ${subscriber.name},`,
		...mail,
		...links
	});
	return { key, purpose, email: attachments ? { ...email, attachments } : email };
}

type Signup = { fields: z.output<typeof publicSignupSchema>; ip: string; origin: string };

/** Who a signup is on the list as, after it was recorded. */
type Enrolled = Pick<SubscriberRow, 'id' | 'email' | 'name' | 'status'>;

/** New (or back after leaving): a link to confirm first. Already in: where they stand. */
async function signupEmail(
	db: Db,
	row: SeriesRow,
	{ origin }: Signup,
	subscriber: Enrolled
): Promise<QueuedEmail> {
	const minute = new Date().toISOString().slice(0, 16);
	if (subscriber.status === 'pending') {
		return subscriberEmail(
			db,
			origin,
			`series-confirm:${subscriber.id}:${minute}`,
			'series-confirm',
			subscriber,
			row.title,
			{
				subject: `Confirm your place: ${row.title}`,
				paragraphs: [
					`Please confirm that you want to join “${row.title}”. Until you do, nothing is booked.`
				],
				action: {
					label: 'Confirm my place',
					url: `${origin}/s/${row.slug}/confirm/${await signLink(db, 'confirm', subscriber.id)}`
				}
			}
		);
	}
	return subscriberEmail(
		db,
		origin,
		`series-already:${subscriber.id}:${minute.slice(0, 10)}`,
		'series-already',
		subscriber,
		row.title,
		{
			subject: `You are already signed up: ${row.title}`,
			paragraphs: [
				subscriber.status === 'active'
					? `You already have a place in “${row.title}”.`
					: `You are already on the waitlist for “${row.title}”; we will email you when a place opens.`
			]
		}
	);
}

/**
 * Records a batch of signups of one series and queues their emails, in one transaction. An
 * address signed up before keeps its status; one that left starts again as pending. The same
 * address twice in a batch is one signup whose later answers win, as one after the other would.
 */
async function enrol(db: Db, row: SeriesRow, signups: Signup[]): Promise<string[]> {
	const latest = new Map(signups.map((signup) => [signup.fields.email, signup]));
	// In address order, so that two instances writing overlapping batches lock rows in the same
	// order and cannot deadlock.
	const addresses = [...latest.keys()].sort();
	const people = addresses.map((email) => {
		const { fields } = latest.get(email)!;
		return { name: fields.name, email, phone: fields.phone || null };
	});
	return db.transaction(async (tx) => {
		// The batch travels as one JSON parameter: one statement text for every batch size, and
		// nothing to build per value.
		const rows = await tx.execute<Enrolled>(sql`
			insert into ${subscribers} (series_id, owner_id, name, email, phone, consented_at)
			select ${row.id}::uuid, ${row.ownerId}::uuid, name, email, phone, now()
			from json_to_recordset(${JSON.stringify(people)}::json) as p(name text, email text, phone text)
			on conflict (series_id, email) do update set
				name = case when ${subscribers.status} in ('pending', 'left') then excluded.name else ${subscribers.name} end,
				phone = case when ${subscribers.status} in ('pending', 'left') then excluded.phone else ${subscribers.phone} end,
				status = case when ${subscribers.status} = 'left' then 'pending'::subscriber_status else ${subscribers.status} end,
				consented_at = excluded.consented_at,
				updated_at = now()
			returning id, email, name, status`);
		const saved = new Map(rows.map((subscriber) => [subscriber.email, subscriber]));
		const savedFor = (signup: Signup) => saved.get(signup.fields.email)!;
		// Emails to one address share a key, so the same address twice gets one email.
		await queueEmails(
			tx,
			await Promise.all(signups.map((signup) => signupEmail(tx, row, signup, savedFor(signup))))
		);
		return signups.map((signup) => savedFor(signup).id);
	});
}

type SignedUp = { seriesId: string; ownerId: string; subscriberId: string | null };

/**
 * Signups from one series page: every one counts against its address's limit, then those within
 * it are enrolled together. Bots fill every field, people never see the honeypot `website`:
 * they are answered as if it worked and nothing is stored.
 */
async function signUpBatch(
	db: Db,
	slug: string,
	signups: Signup[]
): Promise<ItemOutcome<SignedUp>[]> {
	// Both at once; an address over its limit is refused before anything else is said.
	const [refusals, [row]] = await Promise.all([
		hitEach(
			db,
			limits.publicSignupPerIp,
			signups.map((signup) => signup.ip)
		),
		seriesBySlug(db).execute({ slug })
	]);
	const open = openForSignups(row);
	if (open instanceof TRPCError) {
		return signups.map((_, i) => ({ ok: false, error: refusals[i] ?? open }));
	}
	const people = signups.filter((signup, i) => !refusals[i] && !signup.fields.website);
	const enrolled = people.length > 0 ? await enrolApart(db, open, people) : [];
	const outcomeOf = new Map(people.map((signup, i) => [signup, enrolled[i]!]));
	return signups.map((signup, i) => {
		const error = refusals[i];
		if (error) return { ok: false, error };
		const outcome = outcomeOf.get(signup);
		if (outcome && !outcome.ok) return outcome;
		const subscriberId = outcome?.value ?? null;
		return { ok: true, value: { seriesId: open.id, ownerId: open.ownerId, subscriberId } };
	});
}

/**
 * Enrols signups together; when the database refuses a value in them, each half apart, so that
 * a signup it refuses fails alone and the rest of its batch is stored. Any other failure (the
 * database gone) fails the batch at once rather than trying it piece by piece.
 */
async function enrolApart(
	db: Db,
	row: SeriesRow,
	people: Signup[]
): Promise<ItemOutcome<string>[]> {
	try {
		return (await enrol(db, row, people)).map((id) => ({ ok: true, value: id }));
	} catch (error) {
		if (!refusedValue(error)) throw error;
		if (people.length === 1) return [{ ok: false, error }];
		const half = Math.ceil(people.length / 2);
		return [
			...(await enrolApart(db, row, people.slice(0, half))),
			...(await enrolApart(db, row, people.slice(half)))
		];
	}
}

/** Data exceptions (22) and integrity violations (23): what one bad value makes PostgreSQL say. */
const refusedValue = (error: unknown) => /^2[23]/.test(pgErrorCode(error) ?? '');

/** The series when it takes signups, else why it does not. */
function openForSignups(row: SeriesRow | undefined): SeriesRow | TRPCError {
	if (!row || row.status === 'draft') return notFound('series');
	if (row.status !== 'published') {
		return new TRPCError({
			code: 'BAD_REQUEST',
			message: 'This series has ended and takes no new signups.'
		});
	}
	return row;
}

const SIGNUP_BATCH = 200;

/** Signups in batches per series page, one batch at a time; one batcher per database handle. */
const signUpper = perDatabase((db) =>
	keyedBatches((slug, batch: Signup[]) => signUpBatch(db, slug, batch), SIGNUP_BATCH)
);

/**
 * The public signup. Always answers the same way, whoever signs up: a new or returning address
 * gets a confirmation link (double opt-in); someone already in gets a reminder of their place. A
 * crowd signing up at once is counted and written in batches that share a few statements.
 */
export function signUp(
	db: Db,
	slug: string,
	fields: z.output<typeof publicSignupSchema>,
	client: Client,
	origin: string
): Promise<SignedUp> {
	return signUpper(db)(slug, { fields, ip: client.ip ?? 'unknown', origin });
}

/** Locks the series row: every change to who holds a place happens one at a time per series. */
async function lockSeries(db: Db, seriesId: string): Promise<SeriesRow> {
	const [row] = await db.select().from(series).where(eq(series.id, seriesId)).for('update');
	if (!row) throw notFound('series');
	return row;
}

type Dates = Awaited<ReturnType<typeof upcoming>>;

/** "You are in" (or "a place opened up"), with the coming dates as an .ics invite. */
async function welcomeEmail(
	db: Db,
	origin: string,
	row: SeriesRow,
	dates: Dates,
	subscriber: SubscriberRow,
	promoted: boolean
): Promise<QueuedEmail> {
	const writing = await datePreferencesOf(db, row.ownerId);
	const where =
		row.locationKind === 'online'
			? 'Online — the join link comes with each reminder.'
			: row.locationDetail;
	const ics = icsCalendar(
		row.title,
		row.timeZone,
		dates.map((d) => ({
			uid: `${d.id}@sessionboard`,
			startsAt: d.startsAt,
			endsAt: d.endsAt,
			summary: row.title,
			description: `Your place in ${row.title}.`,
			location:
				row.locationKind === 'online' ? (d.joinUrl ?? row.locationDetail) : row.locationDetail
		}))
	);
	const next = dates[0];
	return subscriberEmail(
		db,
		origin,
		`series-admitted:${subscriber.id}:${subscriber.arrival}`,
		promoted ? 'series-promoted' : 'series-admitted',
		subscriber,
		row.title,
		{
			subject: promoted ? `A place opened up for you: ${row.title}` : `You are in: ${row.title}`,
			paragraphs: [
				promoted
					? `Good news: a place in “${row.title}” opened up, and it is yours.`
					: `Your place in “${row.title}” is confirmed.`,
				next
					? `Next date: ${whenInZone(next.startsAt, row.timeZone, writing)}.`
					: 'The next dates will be announced soon.',
				`Where: ${where}`,
				'The attached calendar file holds the coming dates.'
			]
		},
		[
			{
				filename: 'series.ics',
				content: ics,
				contentType: 'text/calendar; charset=utf-8; method=PUBLISH'
			}
		]
	);
}

function waitlistedEmail(
	db: Db,
	origin: string,
	row: SeriesRow,
	subscriber: SubscriberRow
): Promise<QueuedEmail> {
	return subscriberEmail(
		db,
		origin,
		`series-waitlisted:${subscriber.id}:${subscriber.arrival}`,
		'series-waitlisted',
		subscriber,
		row.title,
		{
			subject: `You are on the waitlist: ${row.title}`,
			paragraphs: [
				`“${row.title}” is full right now. You are on the waitlist, and we will email you the moment a place is yours.`
			]
		}
	);
}

/** `count` fresh arrival numbers, ascending: the order in which people were admitted. */
async function nextArrivals(db: Db, count: number): Promise<string[]> {
	const rows = await db.execute<{ n: string }>(sql`
		select value::text as n from (
			select nextval('subscriber_arrival_seq') as value from generate_series(1, ${count}::int)
		) as reserved order by value`);
	return rows.map((r) => r.n);
}

/** A SQL array literal's elements, one parameter each. */
const elements = (values: string[]) =>
	sql.join(
		values.map((v) => sql`${v}`),
		sql`, `
	);

type Confirmed = { subscriber: SubscriberRow; series: SeriesRow; changed: boolean };
type Confirmation = { id: string; origin: string };

/**
 * Admits confirmed signups of one series in the order they came. Under the series' row lock each
 * takes a free place or, once the series is full, joins the waitlist: concurrent confirmations can
 * never put more people in than there are places. A whole batch shares one transaction.
 */
async function admit(
	db: Db,
	seriesId: string,
	confirmations: Confirmation[]
): Promise<ItemOutcome<Confirmed>[]> {
	return db.transaction(async (tx) => {
		const row = await lockSeries(tx, seriesId);
		const ids = confirmations.map((c) => c.id);
		const found = await tx.select().from(subscribers).where(inArray(subscribers.id, ids));
		const current = new Map(found.map((s) => [s.id, s]));
		const waiting = [...new Set(ids)].filter((id) => current.get(id)?.status === 'pending');
		const admitted = new Map<string, SubscriberRow>();
		if (waiting.length > 0 && row.status === 'published') {
			const free = row.capacity - (await activeCount(tx, row.id));
			const statuses = waiting.map((_, i) => (i < free ? 'active' : 'waitlisted'));
			const arrivals = await nextArrivals(tx, waiting.length);
			const position = sql`array_position(array[${elements(waiting)}]::uuid[], ${subscribers.id})`;
			const updated = await tx
				.update(subscribers)
				.set({
					status: sql`(array[${elements(statuses)}]::subscriber_status[])[${position}]`,
					arrival: sql`(array[${elements(arrivals)}]::bigint[])[${position}]`,
					confirmedAt: new Date(),
					updatedAt: new Date()
				})
				.where(inArray(subscribers.id, waiting))
				.returning();
			for (const subscriber of updated) admitted.set(subscriber.id, subscriber);
			const dates = statuses.includes('active') ? await upcoming(tx, row.id, 12) : [];
			const origins = new Map(confirmations.map((c) => [c.id, c.origin]));
			const emails = await Promise.all(
				waiting.map((id) => {
					const subscriber = admitted.get(id)!;
					const origin = origins.get(id)!;
					return subscriber.status === 'active'
						? welcomeEmail(tx, origin, row, dates, subscriber, false)
						: waitlistedEmail(tx, origin, row, subscriber);
				})
			);
			await queueEmails(tx, emails);
		}
		return ids.map((id): ItemOutcome<Confirmed> => {
			const subscriber = admitted.get(id) ?? current.get(id);
			if (!subscriber) return { ok: false, error: notFound('signup') };
			if (subscriber.status === 'pending') {
				return {
					ok: false,
					error: new TRPCError({
						code: 'BAD_REQUEST',
						message: 'This series takes no new signups.'
					})
				};
			}
			return { ok: true, value: { subscriber, series: row, changed: admitted.has(id) } };
		});
	});
}

const ADMIT_BATCH = 500;

/** Confirmations in batches per series, one batch at a time; one batcher per database handle. */
const admitter = perDatabase((db) =>
	keyedBatches((seriesId, batch: Confirmation[]) => admit(db, seriesId, batch), ADMIT_BATCH)
);

/** Which series a signup is for: every confirmation asks, so built once per handle. */
const seriesOfSubscriber = perDatabase((db) =>
	db
		.select({ seriesId: subscribers.seriesId })
		.from(subscribers)
		.where(eq(subscribers.id, sql.placeholder('id')))
		.prepare('series_of_subscriber')
);

/**
 * Confirms a signup (the link in the confirmation email). A crowd confirming at once is admitted
 * in batches, so they share a few commits instead of queueing one by one on the series' lock.
 */
export async function confirm(db: Db, token: string, origin: string): Promise<Confirmed> {
	const id = await verifyLink(db, 'confirm', token);
	if (!id)
		throw new TRPCError({ code: 'BAD_REQUEST', message: 'This confirmation link is not valid.' });
	const [signup] = await seriesOfSubscriber(db).execute({ id });
	if (!signup) throw notFound('signup');
	return admitter(db)(signup.seriesId, { id, origin });
}

/** Gives a freed place to the longest-waiting person; call under the series' row lock. */
async function promoteNext(db: Db, origin: string, row: SeriesRow): Promise<SubscriberRow | null> {
	if ((await activeCount(db, row.id)) >= row.capacity) return null;
	const [next] = await db
		.update(subscribers)
		.set({ status: 'active', updatedAt: new Date() })
		.where(
			eq(
				subscribers.id,
				sql`(select id from ${subscribers} where ${subscribers.seriesId} = ${row.id} and ${subscribers.status} = 'waitlisted' order by ${subscribers.arrival} limit 1)`
			)
		)
		.returning();
	if (next) {
		const dates = await upcoming(db, row.id, 12);
		await queueEmail(db, await welcomeEmail(db, origin, row, dates, next, true));
	}
	return next ?? null;
}

/** The subscriber leaves (self-service) or is removed (practitioner); a freed place is passed on. */
async function release(db: Db, origin: string, subscriberId: string, remove: boolean) {
	return db.transaction(async (tx) => {
		const [found] = await tx.select().from(subscribers).where(eq(subscribers.id, subscriberId));
		if (!found) throw notFound('subscriber');
		const row = await lockSeries(tx, found.seriesId);
		const [current] = await tx.select().from(subscribers).where(eq(subscribers.id, subscriberId));
		if (remove) {
			// Their data goes with them: also the record of emails to them (the keys name the
			// subscriber), and with it any email still queued for them.
			await tx.delete(emailDeliveries).where(like(emailDeliveries.key, `%:${subscriberId}%`));
			await tx.delete(subscribers).where(eq(subscribers.id, subscriberId));
		} else if (current!.status !== 'left') {
			await tx
				.update(subscribers)
				.set({ status: 'left', leftAt: new Date(), updatedAt: new Date() })
				.where(eq(subscribers.id, subscriberId));
		}
		const promoted = current!.status === 'active' ? await promoteNext(tx, origin, row) : null;
		return { seriesId: row.id, ownerId: row.ownerId, promoted };
	});
}

export async function leaveByLink(db: Db, token: string, origin: string) {
	const id = await verifyLink(db, 'manage', token);
	if (!id) throw new TRPCError({ code: 'BAD_REQUEST', message: 'This link is not valid.' });
	return release(db, origin, id, false);
}

export async function removeSubscriber(
	db: Db,
	ownerId: string,
	subscriberId: string,
	origin: string
) {
	const [found] = await db
		.select({ id: subscribers.id })
		.from(subscribers)
		.where(and(eq(subscribers.id, subscriberId), eq(subscribers.ownerId, ownerId)));
	if (!found) throw notFound('subscriber');
	return release(db, origin, subscriberId, true);
}

/**
 * One-click unsubscribe from emails (RFC 8058); the place in the series is kept. The manage link
 * may do it too: it already proves who this is.
 */
export async function unsubscribeByLink(db: Db, token: string) {
	const id =
		(await verifyLink(db, 'unsubscribe', token)) ?? (await verifyLink(db, 'manage', token));
	if (!id) throw new TRPCError({ code: 'BAD_REQUEST', message: 'This link is not valid.' });
	const [row] = await db
		.update(subscribers)
		.set({
			unsubscribedAt: sql`coalesce(${subscribers.unsubscribedAt}, now())`,
			updatedAt: new Date()
		})
		.where(eq(subscribers.id, id))
		.returning({
			id: subscribers.id,
			seriesId: subscribers.seriesId,
			ownerId: subscribers.ownerId
		});
	if (!row) throw notFound('subscriber');
	return row;
}

/** The self-service page behind the manage link. */
export async function manageView(db: Db, token: string) {
	const id = await verifyLink(db, 'manage', token);
	if (!id) throw new TRPCError({ code: 'BAD_REQUEST', message: 'This link is not valid.' });
	const [subscriber] = await db.select().from(subscribers).where(eq(subscribers.id, id));
	if (!subscriber) throw notFound('subscription');
	const [row] = await db.select().from(series).where(eq(series.id, subscriber.seriesId));
	const [dates, writing] = await Promise.all([
		upcoming(db, row!.id, 12),
		datePreferencesOf(db, row!.ownerId)
	]);
	const online = row!.locationKind === 'online';
	return {
		// The practitioner's way of writing dates, and not their own time zone.
		writing: { locale: writing.locale, clock: writing.clock },
		subscriber: {
			name: subscriber.name,
			email: subscriber.email,
			status: subscriber.status,
			unsubscribed: subscriber.unsubscribedAt !== null
		},
		series: {
			title: row!.title,
			slug: row!.slug,
			timeZone: row!.timeZone,
			online,
			address: online ? '' : row!.locationDetail
		},
		dates: dates.map((d) => ({
			id: d.id,
			startsAt: d.startsAt,
			// Only people holding a place get the join link.
			joinUrl:
				online && subscriber.status === 'active'
					? (d.joinUrl ?? (row!.locationDetail || null))
					: null
		}))
	};
}

export async function listSubscribers(db: Db, ownerId: string, seriesId: string, q: string) {
	const [owned] = await db
		.select({ id: series.id })
		.from(series)
		.where(and(eq(series.id, seriesId), eq(series.ownerId, ownerId)));
	if (!owned) throw notFound('series');
	const pattern = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
	return db
		.select({
			id: subscribers.id,
			name: subscribers.name,
			email: subscribers.email,
			phone: subscribers.phone,
			status: subscribers.status,
			arrival: subscribers.arrival,
			unsubscribedAt: subscribers.unsubscribedAt,
			createdAt: subscribers.createdAt,
			payment: subscribers.payment,
			paidUntil: subscribers.paidUntil,
			cancelAt: subscribers.cancelAt,
			subscribed: sql<boolean>`${subscribers.stripeSubscriptionId} is not null`
		})
		.from(subscribers)
		.where(
			and(
				eq(subscribers.seriesId, seriesId),
				q
					? or(
							ilike(subscribers.name, pattern),
							ilike(subscribers.email, pattern),
							ilike(subscribers.phone, pattern)
						)
					: undefined
			)
		)
		.orderBy(
			sql`case ${subscribers.status} when 'active' then 0 when 'waitlisted' then 1 when 'pending' then 2 else 3 end`,
			asc(subscribers.arrival),
			asc(subscribers.createdAt)
		);
}
