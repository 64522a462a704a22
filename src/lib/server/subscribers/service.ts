import { TRPCError } from '@trpc/server';
import { and, asc, eq, gt, ilike, inArray, like, or, sql } from 'drizzle-orm';
import type { z } from 'zod';
import { formatPrice } from '../../money';
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
	userPictures,
	TAKING_A_PLACE,
	users,
	type SeriesRow,
	type SubscriberRow
} from '../db/schema';
import { queueEmail, queueEmails, type QueuedEmail } from '../email/deliveries';
import type { SubscriberEmailPurpose } from '../email/purposes';
import { subscriberMessage, whenInZone } from '../email/subscriber-messages';
import { noteText, renderNote } from '../notes/markdown';
import { keyedBatches, type ItemOutcome } from '../keyed-batches';
import { arrayLiteral } from '../pg-arrays';
import { pgErrorCode } from '../pg-errors';
import { connectedAccount, paymentsBlocked } from '../payments/accounts';
import { checkoutFor, checkoutHold, expireCheckout, offerEmail } from '../payments/checkout';
import { notFound } from '../practice-errors';
import { publishSpotsLeft, publishToUser } from '../realtime/publish';
import { subscriberJoinPath } from '../integrations/zoom/meetings';
import { icsCalendar } from '../series/ics';
import { scheduleLine } from '../series/schedule-line';
import { signLink, verifyLink } from '../signed-links';
import type { publicSignupSchema } from './schemas';

export const subscriberLinks = async (db: Db, origin: string, subscriberId: string) => ({
	manageUrl: `${origin}/m/${await signLink(db, 'manage', subscriberId)}`,
	unsubscribeUrl: `${origin}/u/${await signLink(db, 'unsubscribe', subscriberId)}`
});

export function upcoming(db: Db, seriesId: string, limit: number) {
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

/** Places taken: people in, and places kept for people paying (Checkout open, or an offer). */
export async function takenCount(db: Db, seriesId: string): Promise<number> {
	const [row] = await db
		.select({ n: sql<number>`count(*)::int` })
		.from(subscribers)
		.where(
			and(eq(subscribers.seriesId, seriesId), inArray(subscribers.status, [...TAKING_A_PLACE]))
		);
	return row!.n;
}

/** Places left in each of the series, in one query; ids of no series are left out. The ids must be uuids. */
export async function spotsLeftOfEach(
	db: Db,
	seriesIds: string[]
): Promise<{ seriesId: string; spotsLeft: number }[]> {
	return db
		.select({
			seriesId: series.id,
			spotsLeft: sql<number>`greatest(0, ${series.capacity} - count(${subscribers.id}))::int`
		})
		.from(series)
		.leftJoin(
			subscribers,
			and(eq(subscribers.seriesId, series.id), inArray(subscribers.status, [...TAKING_A_PLACE]))
		)
		.where(sql`${series.id} = any(${arrayLiteral(seriesIds)}::uuid[])`)
		.groupBy(series.id);
}

/** A paid series' price, or null for a free one. */
export function priceOf(row: SeriesRow) {
	if (row.priceMinor === null || !row.currency || !row.billingInterval) return null;
	return { minor: row.priceMinor, currency: row.currency, interval: row.billingInterval };
}

/** "€12.00 per month", for emails. */
export function priceText(row: SeriesRow): string {
	const price = priceOf(row);
	return price ? formatPrice(price.minor, price.currency, price.interval) : '';
}

/** Why a paid series takes no signups now (its practitioner cannot take payments), else null. */
export async function paymentsClosed(db: Db, row: SeriesRow): Promise<string | null> {
	if (!priceOf(row)) return null;
	return paymentsBlocked(await connectedAccount(db, row.ownerId));
}

/** The public page's series: read on every visit and every signup, so built once per handle. */
const seriesBySlug = perDatabase((db) =>
	db
		.select()
		.from(series)
		.where(eq(series.slug, sql.placeholder('slug')))
		.prepare('series_by_slug')
);

/** How many coming dates the public page lists: the first few show, the rest behind "Show all". */
const PUBLIC_DATES = 60;

/** The practitioner as their signup pages show them: their name, and whether their picture is public. */
async function practitionerOf(db: Db, ownerId: string) {
	const [row] = await db
		.select({
			name: users.name,
			pictureOnPublicPages: users.pictureOnPublicPages,
			hasPicture: sql<boolean>`exists (select 1 from ${userPictures} where ${userPictures.userId} = ${users.id})`
		})
		.from(users)
		.where(eq(users.id, ownerId));
	return { name: row!.name, picture: row!.pictureOnPublicPages && row!.hasPicture };
}

/** What the public page shows: only published series, and nothing about who signed up. */
export async function publicSeries(db: Db, slug: string) {
	const [row] = await seriesBySlug(db).execute({ slug });
	if (!row || row.status === 'draft') throw notFound('series');
	const [coming, left, writing, closed, practitioner] = await Promise.all([
		// One more than shown, to know whether there are more.
		upcoming(db, row.id, PUBLIC_DATES + 1),
		placesLeft(db, row),
		datePreferencesOf(db, row.ownerId),
		paymentsClosed(db, row),
		practitionerOf(db, row.ownerId)
	]);
	const dates = coming.slice(0, PUBLIC_DATES);
	return {
		// The practitioner's way of writing dates, and not their own time zone.
		writing: { locale: writing.locale, clock: writing.clock },
		/** Their name, and whether /s/<slug>/picture shows their picture. */
		practitioner,
		id: row.id,
		slug: row.slug,
		title: row.title,
		descriptionHtml: renderNote(row.description),
		/** The description as plain words, for link previews. */
		summary: plainSummary(row.description),
		timeZone: row.timeZone,
		/** "Wednesdays 18:30–19:30 from 9 December, Amsterdam time", in the series' zone. */
		schedule: scheduleLine(dates, row.timeZone, writing),
		durationMinutes: row.durationMinutes,
		locationKind: row.locationKind,
		address: row.locationKind === 'in_person' ? row.locationDetail : '',
		open: row.status === 'published',
		price: priceOf(row),
		/** A paid series whose practitioner cannot take payments now: why it takes no signups. */
		closedReason: closed,
		capacity: row.capacity,
		spotsLeft: left,
		/** True when there are more coming dates than `dates` holds. */
		moreDates: coming.length > PUBLIC_DATES,
		// No ids: a date's id is no business of the public.
		dates: dates.map((d) => ({ startsAt: d.startsAt, endsAt: d.endsAt }))
	};
}

/** A description's first words without Markdown, at most 200 characters. */
function plainSummary(markdown: string): string {
	const plain = noteText(markdown).replace(/\s+/g, ' ').trim();
	return plain.length > 200 ? `${plain.slice(0, 199).trimEnd()}…` : plain;
}

/** The owner's picture, only when they chose to show it on their signup pages; else nothing. */
export async function publicPicture(db: Db, slug: string) {
	const [row] = await db
		.select({ contentType: userPictures.contentType, bytes: userPictures.bytes })
		.from(series)
		.innerJoin(users, eq(users.id, series.ownerId))
		.innerJoin(userPictures, eq(userPictures.userId, users.id))
		.where(
			and(
				eq(series.slug, slug),
				inArray(series.status, ['published', 'archived']),
				eq(users.pictureOnPublicPages, true)
			)
		);
	return row ?? null;
}

export async function spotsLeft(db: Db, seriesId: string): Promise<number> {
	const [row] = await spotsLeftOfEach(db, [seriesId]);
	return row?.spotsLeft ?? 0;
}

export type Mail = {
	subject: string;
	paragraphs: string[];
	action?: { label: string; url: string };
};

/** The practitioner's name, as their subscribers' emails are sent from and signed with. */
export async function practitionerName(db: Db, ownerId: string): Promise<string> {
	const [row] = await db.select({ name: users.name }).from(users).where(eq(users.id, ownerId));
	return row!.name;
}

/** One email to a subscriber, greeting them by name, with their manage and unsubscribe links. */
export async function subscriberEmail(
	db: Db,
	origin: string,
	key: string,
	purpose: SubscriberEmailPurpose,
	subscriber: Pick<SubscriberRow, 'id' | 'email' | 'name'>,
	row: Pick<SeriesRow, 'title' | 'ownerId'>,
	mail: Mail,
	attachments?: { filename: string; content: string; contentType: string }[]
): Promise<QueuedEmail> {
	const [links, practitioner] = await Promise.all([
		subscriberLinks(db, origin, subscriber.id),
		practitionerName(db, row.ownerId)
	]);
	const email = subscriberMessage({
		to: subscriber.email,
		seriesTitle: row.title,
		practitioner,
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
	const paid = priceOf(row) !== null;
	const confirmUrl = async () =>
		`${origin}/s/${row.slug}/confirm/${await signLink(db, 'confirm', subscriber.id)}`;
	if (subscriber.status === 'pending') {
		return subscriberEmail(
			db,
			origin,
			`series-confirm:${subscriber.id}:${minute}`,
			'series-confirm',
			subscriber,
			row,
			{
				subject: `Confirm your place: ${row.title}`,
				paragraphs: [
					`Please confirm that you want to join “${row.title}”. Until you do, nothing is booked.`,
					...(paid
						? [
								`The price: ${priceText(row)}, paid through Stripe. Confirming takes you to the payment page; a free place is kept for you for 30 minutes while you pay.`
							]
						: [])
				],
				action: { label: paid ? 'Confirm and pay' : 'Confirm my place', url: await confirmUrl() }
			}
		);
	}
	if (subscriber.status === 'held') {
		return subscriberEmail(
			db,
			origin,
			`series-already:${subscriber.id}:${minute.slice(0, 10)}`,
			'series-already',
			subscriber,
			row,
			{
				subject: `You are already signed up: ${row.title}`,
				paragraphs: [
					`A place in “${row.title}” is kept for you until you pay for it (${priceText(row)}).`
				],
				action: { label: 'Pay for my place', url: await confirmUrl() }
			}
		);
	}
	return subscriberEmail(
		db,
		origin,
		`series-already:${subscriber.id}:${minute.slice(0, 10)}`,
		'series-already',
		subscriber,
		row,
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
 * Writes a batch of signups of one series. An address signed up before keeps its status; one
 * that left starts again as pending. The same address twice in a batch is one signup whose later
 * answers win, as one after the other would. Returns each address's row.
 */
async function upsertSignups(
	tx: Db,
	row: SeriesRow,
	signups: Signup[]
): Promise<Map<string, Enrolled>> {
	const latest = new Map(signups.map((signup) => [signup.fields.email, signup]));
	// In address order, so that two instances writing overlapping batches lock rows in the same
	// order and cannot deadlock.
	const addresses = [...latest.keys()].sort();
	const people = addresses.map((email) => {
		const { fields } = latest.get(email)!;
		return { name: fields.name, email, phone: fields.phone || null };
	});
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
			-- Pending again: nothing of an earlier subscription or hold may count for the new signup.
			stripe_subscription_id = case when ${subscribers.status} = 'left' then null else ${subscribers.stripeSubscriptionId} end,
			checkout_session_id = case when ${subscribers.status} = 'left' then null else ${subscribers.checkoutSessionId} end,
			payment = case when ${subscribers.status} = 'left' then null else ${subscribers.payment} end,
			paid_until = case when ${subscribers.status} = 'left' then null else ${subscribers.paidUntil} end,
			cancel_at = case when ${subscribers.status} = 'left' then null else ${subscribers.cancelAt} end,
			hold_until = case when ${subscribers.status} = 'left' then null else ${subscribers.holdUntil} end,
			arrival = case when ${subscribers.status} = 'left' then null else ${subscribers.arrival} end,
			consented_at = excluded.consented_at,
			updated_at = now()
		returning id, email, name, status`);
	return new Map(rows.map((subscriber) => [subscriber.email, subscriber]));
}

/**
 * Records a batch of signups and queues their emails, in one transaction. Free or paid, every
 * address is answered alike (a link to confirm, or a reminder): the answer says nothing of who is
 * signed up, and a place is only kept for an address proven by its confirmation link.
 */
async function enrol(db: Db, row: SeriesRow, signups: Signup[]): Promise<string[]> {
	return db.transaction(async (tx) => {
		const saved = await upsertSignups(tx, row, signups);
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
	const closed = await paymentsClosed(db, open);
	if (closed) {
		const error = notTakingSignups(closed);
		return signups.map((_, i) => ({ ok: false, error: refusals[i] ?? error }));
	}
	const people = signups.filter((signup, i) => !refusals[i] && !signup.fields.website);
	const enrolled = people.length > 0 ? await enrolApart(db, open, people) : [];
	const outcomeOf = new Map(people.map((signup, i) => [signup, enrolled[i]!]));
	return signups.map((signup, i) => {
		const error = refusals[i];
		if (error) return { ok: false, error };
		const outcome = outcomeOf.get(signup);
		if (outcome && !outcome.ok) return outcome;
		const subscriberId = outcome ? outcome.value : null;
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
		return (await enrol(db, row, people)).map((value) => ({ ok: true, value }));
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

export const notTakingSignups = (reason: string) =>
	new TRPCError({
		code: 'BAD_REQUEST',
		message: `This series is not taking signups now. ${reason}`
	});

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
 * crowd signing up at once is counted and written in batches that share a few statements. Paid
 * series too: their place is kept once the confirmation link is used (see `confirm`).
 */
export async function signUp(
	db: Db,
	slug: string,
	fields: z.output<typeof publicSignupSchema>,
	client: Client,
	origin: string
): Promise<SignedUp> {
	return signUpper(db)(slug, { fields, ip: client.ip ?? 'unknown', origin });
}

/** How long a waitlisted person has to pay for a place offered to them. */
const OFFER_HOLD_MS = 24 * 3_600_000;

/** Locks the series row: every change to who holds a place happens one at a time per series. */
export async function lockSeries(db: Db, seriesId: string): Promise<SeriesRow> {
	const [row] = await db.select().from(series).where(eq(series.id, seriesId)).for('update');
	if (!row) throw notFound('series');
	return row;
}

type Dates = Awaited<ReturnType<typeof upcoming>>;

/** "You are in" (or "a place opened up"), with the coming dates as an .ics invite. */
export async function welcomeEmail(
	db: Db,
	origin: string,
	row: SeriesRow,
	dates: Dates,
	subscriber: SubscriberRow,
	promoted: boolean
): Promise<QueuedEmail> {
	const writing = await datePreferencesOf(db, row.ownerId);
	const online = row.locationKind !== 'in_person';
	const where = online ? 'Online — the join link comes with each reminder.' : row.locationDetail;
	const ics = icsCalendar(
		row.title,
		row.timeZone,
		await Promise.all(
			dates.map(async (d) => ({
				uid: `${d.id}@sessionboard`,
				startsAt: d.startsAt,
				endsAt: d.endsAt,
				summary: row.title,
				description: `Your place in ${row.title}.`,
				location: online
					? origin + (await subscriberJoinPath(db, d.id, subscriber.id))
					: row.locationDetail
			}))
		)
	);
	const next = dates[0];
	return subscriberEmail(
		db,
		origin,
		`series-admitted:${subscriber.id}:${subscriber.arrival}`,
		promoted ? 'series-promoted' : 'series-admitted',
		subscriber,
		row,
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
		row,
		{
			subject: `You are on the waitlist: ${row.title}`,
			paragraphs: [
				`“${row.title}” is full right now. You are on the waitlist, and we will email you the moment a place is yours.`
			]
		}
	);
}

/** `count` fresh arrival numbers, ascending: the order in which people were admitted. */
export async function nextArrivals(db: Db, count: number): Promise<string[]> {
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
			const free = row.capacity - (await takenCount(tx, row.id));
			// On a paid series a free place is kept while they pay: Checkout opens next.
			const placed = priceOf(row) ? 'held' : 'active';
			const statuses = waiting.map((_, i) => (i < free ? placed : 'waitlisted'));
			const arrivals = await nextArrivals(tx, waiting.length);
			const position = sql`array_position(array[${elements(waiting)}]::uuid[], ${subscribers.id})`;
			const updated = await tx
				.update(subscribers)
				.set({
					status: sql`(array[${elements(statuses)}]::subscriber_status[])[${position}]`,
					arrival: sql`(array[${elements(arrivals)}]::bigint[])[${position}]`,
					holdUntil: sql`case when (array[${elements(statuses)}]::subscriber_status[])[${position}] = 'held' then ${checkoutHold} end`,
					checkoutSessionId: null,
					confirmedAt: new Date(),
					updatedAt: new Date()
				})
				.where(inArray(subscribers.id, waiting))
				.returning();
			for (const subscriber of updated) admitted.set(subscriber.id, subscriber);
			const dates = statuses.includes('active') ? await upcoming(tx, row.id, 12) : [];
			const origins = new Map(confirmations.map((c) => [c.id, c.origin]));
			// A kept place needs no email: they are on their way to Checkout.
			const emails = await Promise.all(
				waiting.flatMap((id) => {
					const subscriber = admitted.get(id)!;
					const origin = origins.get(id)!;
					if (subscriber.status === 'held') return [];
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
 * On a paid series a place kept for them is paid for next: `checkoutUrl`, opened after the
 * commit; the link proves who they are, so using it again leads to the same Checkout.
 */
export async function confirm(
	db: Db,
	token: string,
	origin: string
): Promise<Confirmed & { checkoutUrl: string | null }> {
	const id = await verifyLink(db, 'confirm', token);
	if (!id)
		throw new TRPCError({ code: 'BAD_REQUEST', message: 'This confirmation link is not valid.' });
	const [signup] = await seriesOfSubscriber(db).execute({ id });
	if (!signup) throw notFound('signup');
	const confirmed = await admitter(db)(signup.seriesId, { id, origin });
	if (confirmed.subscriber.status !== 'held') return { ...confirmed, checkoutUrl: null };
	// Only a hold this confirmation made goes again if Checkout cannot be opened.
	const checkoutUrl = await checkoutFor(db, id, origin, { fresh: confirmed.changed });
	return { ...confirmed, checkoutUrl };
}

/**
 * Gives a freed place to the longest-waiting person; call under the series' row lock. On a paid
 * series the place is offered: kept for them for OFFER_HOLD_MS, for them to pay.
 */
export async function promoteNext(
	db: Db,
	origin: string,
	row: SeriesRow
): Promise<SubscriberRow | null> {
	if ((await takenCount(db, row.id)) >= row.capacity) return null;
	const paid = priceOf(row) !== null;
	const [next] = await db
		.update(subscribers)
		.set(
			paid
				? {
						status: 'held',
						holdUntil: sql`now() + ${`${OFFER_HOLD_MS} milliseconds`}::interval`,
						checkoutSessionId: null,
						updatedAt: new Date()
					}
				: { status: 'active', updatedAt: new Date() }
		)
		.where(
			eq(
				subscribers.id,
				sql`(select id from ${subscribers} where ${subscribers.seriesId} = ${row.id} and ${subscribers.status} = 'waitlisted' order by ${subscribers.arrival} limit 1)`
			)
		)
		.returning();
	if (next && paid) await queueEmail(db, await offerEmail(db, origin, row, next));
	else if (next) {
		const dates = await upcoming(db, row.id, 12);
		await queueEmail(db, await welcomeEmail(db, origin, row, dates, next, true));
	}
	return next ?? null;
}

/**
 * The subscriber leaves (self-service) or is removed (practitioner); a freed place is passed on.
 * A place kept while they pay is first closed at Stripe, so that no one pays for a place that is
 * gone (or a person who is gone); one paid already is theirs until the payment is recorded.
 */
async function release(db: Db, origin: string, subscriberId: string, remove: boolean) {
	const [holding] = await db.select().from(subscribers).where(eq(subscribers.id, subscriberId));
	if (holding?.status === 'held' && holding.checkoutSessionId) {
		const state = await expireCheckout(db, holding.ownerId, holding.checkoutSessionId);
		if (state === 'complete') {
			throw new TRPCError({
				code: 'BAD_REQUEST',
				message:
					'This place has just been paid for. Please try again in a minute, once the payment is recorded.'
			});
		}
		if (state === null) {
			throw new TRPCError({
				code: 'BAD_GATEWAY',
				message: 'Stripe could not close the payment page just now. Please try again in a moment.'
			});
		}
	}
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
				.set({ status: 'left', holdUntil: null, leftAt: new Date(), updatedAt: new Date() })
				.where(eq(subscribers.id, subscriberId));
		}
		const freed = current!.status === 'active' || current!.status === 'held';
		const promoted = freed ? await promoteNext(tx, origin, row) : null;
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
	const online = row!.locationKind !== 'in_person';
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
		dates: await Promise.all(
			dates.map(async (d) => ({
				id: d.id,
				startsAt: d.startsAt,
				// Only people holding a place get the join link: the stable one, signed for them.
				joinUrl:
					online && subscriber.status === 'active'
						? await subscriberJoinPath(db, d.id, subscriber.id)
						: null
			}))
		)
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
			sql`case ${subscribers.status} when 'active' then 0 when 'held' then 1 when 'waitlisted' then 2 when 'pending' then 3 else 4 end`,
			asc(subscribers.arrival),
			asc(subscribers.createdAt)
		);
}

/** Live, once committed: the owner's pages refetch, the public count follows. */
export function announceCommitted(row: SeriesRow, left: number) {
	publishToUser(row.ownerId, 'practice:changed', { entity: 'subscriber', ids: [row.id] });
	publishSpotsLeft(row.id, left);
}

export async function placesLeft(db: Db, row: Pick<SeriesRow, 'id' | 'capacity'>): Promise<number> {
	return Math.max(0, row.capacity - (await takenCount(db, row.id)));
}
