import { TRPCError } from '@trpc/server';
import { and, asc, eq, gt, ilike, inArray, isNull, like, lt, or, sql } from 'drizzle-orm';
import type Stripe from 'stripe';
import type { z } from 'zod';
import { formatPrice } from '../../money';
import { hitEach, limits } from '../auth/rate-limit';
import { datePreferencesOf } from '../account/date-preferences';
import type { Client } from '../auth/session';
import { config, localOrigin } from '../config';
import type { Db } from '../db';
import { perDatabase } from '../db/per-database';
import {
	emailDeliveries,
	series,
	seriesOccurrences,
	subscribers,
	users,
	type SeriesRow,
	type SubscriberRow
} from '../db/schema';
import { queueEmail, queueEmails, type QueuedEmail } from '../email/deliveries';
import { subscriberMessage, whenInZone } from '../email/subscriber-messages';
import { renderNote } from '../notes/markdown';
import { keyedBatches, type ItemOutcome } from '../keyed-batches';
import { pgErrorCode } from '../pg-errors';
import { connectedAccount, paymentsBlocked } from '../payments/accounts';
import { stripeApi, stripeDestination, unlessMissing } from '../payments/stripe';
import { reportUnexpected } from '../unexpected';
import { paymentOfSubscription } from '../payments/subscriptions';
import { notFound } from '../practice-errors';
import { publishSpotsLeft, publishToUser } from '../realtime/publish';
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

/** Places taken: people in, and places kept for people paying (Checkout open, or an offer). */
async function takenCount(db: Db, seriesId: string): Promise<number> {
	const [row] = await db
		.select({ n: sql<number>`count(*)::int` })
		.from(subscribers)
		.where(
			and(eq(subscribers.seriesId, seriesId), inArray(subscribers.status, ['active', 'held']))
		);
	return row!.n;
}

/** A paid series' price, or null for a free one. */
function priceOf(row: SeriesRow) {
	if (row.priceMinor === null || !row.currency || !row.billingInterval) return null;
	return { minor: row.priceMinor, currency: row.currency, interval: row.billingInterval };
}

/** "€12.00 per month", for emails. */
function priceText(row: SeriesRow): string {
	const price = priceOf(row);
	return price ? formatPrice(price.minor, price.currency, price.interval) : '';
}

/** Why a paid series takes no signups now (its practitioner cannot take payments), else null. */
async function paymentsClosed(db: Db, row: SeriesRow): Promise<string | null> {
	if (!priceOf(row)) return null;
	return paymentsBlocked(await connectedAccount(db, row.ownerId));
}

/** Where links in emails sent outside any request (webhooks, the clock) point. */
function appOrigin(): string {
	const { ORIGIN, PORT } = config();
	return ORIGIN ?? localOrigin(PORT);
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
	const [dates, left, writing, closed] = await Promise.all([
		upcoming(db, row.id, 12),
		placesLeft(db, row),
		datePreferencesOf(db, row.ownerId),
		paymentsClosed(db, row)
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
		price: priceOf(row),
		/** A paid series whose practitioner cannot take payments now: why it takes no signups. */
		closedReason: closed,
		capacity: row.capacity,
		spotsLeft: left,
		dates: dates.map((d) => ({ id: d.id, startsAt: d.startsAt, endsAt: d.endsAt }))
	};
}

export async function spotsLeft(db: Db, seriesId: string): Promise<number> {
	const [row] = await db
		.select({ id: series.id, capacity: series.capacity })
		.from(series)
		.where(eq(series.id, seriesId));
	return row ? placesLeft(db, row) : 0;
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
			row.title,
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
			row.title,
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

/**
 * Stripe keeps a Checkout open at least 30 minutes, counted when the call reaches it: the hold
 * gets a minute more, so that a Checkout that expires with the hold is always accepted. Rounded
 * up to the whole minute, so that two requests a moment apart make the same hold (and through
 * the idempotency key, one Checkout).
 */
const checkoutHold = sql`date_trunc('minute', now() + interval '31 minutes') + interval '1 minute'`;
/** How long a waitlisted person has to pay for a place offered to them. */
const OFFER_HOLD_MS = 24 * 3_600_000;

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
async function promoteNext(db: Db, origin: string, row: SeriesRow): Promise<SubscriberRow | null> {
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
			sql`case ${subscribers.status} when 'active' then 0 when 'held' then 1 when 'waitlisted' then 2 when 'pending' then 3 else 4 end`,
			asc(subscribers.arrival),
			asc(subscribers.createdAt)
		);
}

/** Live, once committed: the owner's pages refetch, the public count follows. */
function announceCommitted(row: SeriesRow, left: number) {
	publishToUser(row.ownerId, 'practice:changed', { entity: 'subscriber', ids: [row.id] });
	publishSpotsLeft(row.id, left);
}

async function placesLeft(db: Db, row: Pick<SeriesRow, 'id' | 'capacity'>): Promise<number> {
	return Math.max(0, row.capacity - (await takenCount(db, row.id)));
}

/** An instant in whole seconds, for email keys: no run of digits as long as a card number's. */
const seconds = (instant: Date) => Math.floor(instant.getTime() / 1000);

/**
 * Names the place kept for someone: every admission (a confirmed signup) takes a new arrival
 * number, and keeps it while the place is kept, paid, or released unpaid; signing up again starts
 * without one.
 */
const holdMarker = (subscriber: Pick<SubscriberRow, 'arrival'>) =>
	subscriber.arrival === null ? null : String(subscriber.arrival);

/** "A place opened up — pay within 24 hours", with the link to the page that opens Checkout. */
async function offerEmail(
	db: Db,
	origin: string,
	row: SeriesRow,
	subscriber: SubscriberRow
): Promise<QueuedEmail> {
	const until = whenInZone(
		subscriber.holdUntil!,
		row.timeZone,
		await datePreferencesOf(db, row.ownerId)
	);
	return subscriberEmail(
		db,
		origin,
		`series-offer:${subscriber.id}:${seconds(subscriber.holdUntil!)}`,
		'series-offer',
		subscriber,
		row.title,
		{
			subject: `A place opened up — pay within 24 hours to take it: ${row.title}`,
			paragraphs: [
				`A place in “${row.title}” opened up for you. It is kept for you until ${until}; after that it goes to the next person waiting.`,
				`The price: ${priceText(row)}, paid through Stripe.`
			],
			action: {
				label: 'Pay and take my place',
				url: `${origin}/s/${row.slug}/pay/${await signLink(db, 'offer', subscriber.id)}`
			}
		}
	);
}

/** A place kept for someone (their Checkout, or an offer) went unpaid and was passed on. */
async function holdLapsedEmail(
	db: Db,
	origin: string,
	row: SeriesRow,
	subscriber: SubscriberRow
): Promise<QueuedEmail> {
	const until = whenInZone(
		subscriber.holdUntil!,
		row.timeZone,
		await datePreferencesOf(db, row.ownerId)
	);
	return subscriberEmail(
		db,
		origin,
		`series-hold-lapsed:${subscriber.id}:${seconds(subscriber.holdUntil!)}`,
		'series-hold-lapsed',
		subscriber,
		row.title,
		{
			subject: `Your place was not kept: ${row.title}`,
			paragraphs: [
				`We kept a place in “${row.title}” for you until ${until}, but it was not paid for, so it has gone to the next person.`,
				'If a place is free again, you are welcome to sign up on the series page.'
			],
			action: { label: 'See the series', url: `${origin}/s/${row.slug}` }
		}
	);
}

/** Releases a place kept for someone and passes it on; call in a transaction. */
async function releaseHoldIn(
	tx: Db,
	subscriberId: string,
	{
		sessionId,
		due,
		notify,
		origin
	}: {
		/** Only if their Checkout is still this one (null: none was opened). */
		sessionId?: string | null;
		/** Only if the hold's time is up (a hold extended meanwhile stays). */
		due?: boolean;
		notify: boolean;
		origin: string;
	}
): Promise<SeriesRow | null> {
	const [found] = await tx
		.select({ seriesId: subscribers.seriesId })
		.from(subscribers)
		.where(eq(subscribers.id, subscriberId));
	if (!found) return null;
	const row = await lockSeries(tx, found.seriesId);
	const [current] = await tx.select().from(subscribers).where(eq(subscribers.id, subscriberId));
	if (current!.status !== 'held') return null;
	if (sessionId !== undefined && current!.checkoutSessionId !== sessionId) return null;
	if (due && !(await holdLapsed(tx, subscriberId))) return null;
	await tx
		.update(subscribers)
		.set({ status: 'left', holdUntil: null, leftAt: new Date(), updatedAt: new Date() })
		.where(eq(subscribers.id, subscriberId));
	if (notify) await queueEmail(tx, await holdLapsedEmail(tx, origin, row, current!));
	await promoteNext(tx, origin, row);
	return row;
}

/** Releases a hold in a transaction of its own, live once committed. */
async function releaseHold(
	db: Db,
	subscriberId: string,
	options: Parameters<typeof releaseHoldIn>[2]
) {
	let left = 0;
	const row = await db.transaction(async (tx) => {
		const released = await releaseHoldIn(tx, subscriberId, options);
		if (released) left = await placesLeft(tx, released);
		return released;
	});
	if (row) announceCommitted(row, left);
	return row;
}

const notTakingSignups = (reason: string) =>
	new TRPCError({
		code: 'BAD_REQUEST',
		message: `This series is not taking signups now. ${reason}`
	});

/**
 * The Checkout for a place kept for someone: the one already open, or a new one on the
 * practitioner's account that expires with the hold. Its idempotency key is the hold, so two
 * requests for one hold get one Checkout. `fresh`: the hold was made for this request, and goes
 * again at once if Stripe cannot be reached.
 */
async function checkoutFor(
	db: Db,
	subscriberId: string,
	origin: string,
	{ fresh }: { fresh: boolean }
): Promise<string> {
	const [found] = await db
		.select({ subscriber: subscribers, series })
		.from(subscribers)
		.innerJoin(series, eq(series.id, subscribers.seriesId))
		.where(eq(subscribers.id, subscriberId));
	if (!found) throw notFound('signup');
	const { subscriber, series: row } = found;
	const holdUntil = subscriber.holdUntil;
	if (subscriber.status !== 'held' || !holdUntil || holdUntil <= new Date()) {
		throw new TRPCError({ code: 'BAD_REQUEST', message: 'This place is no longer kept for you.' });
	}
	const account = await connectedAccount(db, row.ownerId);
	const stripe = stripeApi();
	const blocked = paymentsBlocked(account);
	if (blocked || !stripe || !account || !row.stripePriceId) {
		if (fresh) await releaseHold(db, subscriber.id, { notify: false, origin });
		throw notTakingSignups(blocked ?? 'The series has no price at Stripe yet.');
	}
	const on = { stripeAccount: account.accountId };
	try {
		if (subscriber.checkoutSessionId) {
			const opened = await stripe.checkout.sessions.retrieve(subscriber.checkoutSessionId, {}, on);
			if (opened.status === 'open' && opened.url) return stripeDestination(opened.url);
			if (opened.status === 'complete') {
				throw new TRPCError({
					code: 'BAD_REQUEST',
					message:
						'You have paid for this place already; it is confirmed as soon as Stripe tells us.'
				});
			}
		}
		// `hold` names the place this payment is for: only it may make the kept place theirs.
		const metadata = {
			subscriber_id: subscriber.id,
			series_id: row.id,
			hold: holdMarker(subscriber)!
		};
		const fee = config().PLATFORM_FEE_PERCENT;
		const page = `${origin}/s/${row.slug}`;
		const session = await stripe.checkout.sessions.create(
			{
				mode: 'subscription',
				line_items: [{ price: row.stripePriceId, quantity: 1 }],
				customer_email: subscriber.email,
				client_reference_id: subscriber.id,
				metadata,
				subscription_data: { metadata, ...(fee > 0 && { application_fee_percent: fee }) },
				expires_at: Math.floor(holdUntil.getTime() / 1000),
				success_url: `${page}?paid={CHECKOUT_SESSION_ID}`,
				cancel_url: `${page}?checkout=cancelled&until=${holdUntil.getTime()}`
			},
			{
				...on,
				idempotencyKey: `checkout:${subscriber.id}:${holdMarker(subscriber)}:${holdUntil.getTime()}`
			}
		);
		await db
			.update(subscribers)
			.set({ checkoutSessionId: session.id, updatedAt: new Date() })
			.where(and(eq(subscribers.id, subscriber.id), eq(subscribers.status, 'held')));
		return stripeDestination(session.url!);
	} catch (error) {
		if (error instanceof TRPCError) throw error;
		reportUnexpected(error, 'Opening a Stripe Checkout');
		if (fresh) await releaseHold(db, subscriber.id, { sessionId: null, notify: false, origin });
		throw new TRPCError({
			code: 'BAD_GATEWAY',
			message: fresh
				? 'Stripe could not open the payment page just now, so no place was kept. Please try again in a moment.'
				: 'Stripe could not open the payment page just now. Please try again in a moment; your place is still kept.'
		});
	}
}

/** The waitlist offer behind its signed link: what it is for, and whether it still stands. */
export async function offerView(db: Db, token: string) {
	const id = await verifyLink(db, 'offer', token);
	if (!id) throw new TRPCError({ code: 'BAD_REQUEST', message: 'This link is not valid.' });
	const [found] = await db
		.select({ subscriber: subscribers, series })
		.from(subscribers)
		.innerJoin(series, eq(series.id, subscribers.seriesId))
		.where(eq(subscribers.id, id));
	if (!found) throw notFound('offer');
	const { subscriber, series: row } = found;
	const writing = await datePreferencesOf(db, row.ownerId);
	const open =
		subscriber.status === 'held' &&
		subscriber.holdUntil !== null &&
		subscriber.holdUntil > new Date();
	return {
		writing: { locale: writing.locale, clock: writing.clock },
		series: { title: row.title, slug: row.slug, timeZone: row.timeZone, price: priceOf(row) },
		name: subscriber.name,
		state: open ? 'open' : subscriber.status === 'active' ? 'taken' : 'lapsed',
		holdUntil: open ? subscriber.holdUntil : null,
		closedReason: await paymentsClosed(db, row)
	} as const;
}

/**
 * Opens Checkout for an offered place. Stripe keeps a Checkout open at least 30 minutes: an offer
 * with less time left is extended to that, so the Checkout and the hold end together.
 */
export async function payOffer(db: Db, token: string, origin: string): Promise<string> {
	const id = await verifyLink(db, 'offer', token);
	if (!id) throw new TRPCError({ code: 'BAD_REQUEST', message: 'This link is not valid.' });
	// Only before a Checkout is opened: the hold is that Checkout's key, and a second click
	// must find the same one.
	await db
		.update(subscribers)
		.set({ holdUntil: checkoutHold, updatedAt: new Date() })
		.where(
			and(
				eq(subscribers.id, id),
				eq(subscribers.status, 'held'),
				isNull(subscribers.checkoutSessionId),
				gt(subscribers.holdUntil, sql`now()`),
				lt(subscribers.holdUntil, checkoutHold)
			)
		);
	return checkoutFor(db, id, origin, { fresh: false });
}

/**
 * Stripe will never take this Checkout's payment: it has no such session (say, the practitioner
 * reconnected to another account), or no longer lets us at the account it was opened on.
 */
function checkoutGone(error: unknown): boolean {
	const { type, code } = (error ?? {}) as { type?: unknown; code?: unknown };
	return (
		type === 'StripePermissionError' || code === 'resource_missing' || code === 'account_invalid'
	);
}

/**
 * Ends a Checkout at Stripe, so that no one pays for a place that is gone. 'complete': they paid
 * first, and the completion admits them; null: Stripe could not say, and is asked next time.
 */
async function expireCheckout(
	db: Db,
	ownerId: string,
	sessionId: string
): Promise<'expired' | 'complete' | null> {
	const stripe = stripeApi();
	const account = await connectedAccount(db, ownerId);
	// Without the account no Checkout of it can be paid any more.
	if (!stripe || !account) return 'expired';
	const on = { stripeAccount: account.accountId };
	try {
		const session = await stripe.checkout.sessions.expire(sessionId, {}, on);
		return session.status === 'complete' ? 'complete' : 'expired';
	} catch (error) {
		if (checkoutGone(error)) return 'expired';
		// Not open any more: paid, or expired already.
		try {
			const session = await stripe.checkout.sessions.retrieve(sessionId, {}, on);
			if (session.status === 'complete') return 'complete';
			return session.status === 'expired' ? 'expired' : null;
		} catch (error) {
			return checkoutGone(error) ? 'expired' : null;
		}
	}
}

/** The hold's time is up by the database's clock, the one the clock picked it by. */
async function holdLapsed(tx: Db, subscriberId: string): Promise<boolean> {
	const [lapsed] = await tx
		.select({ id: subscribers.id })
		.from(subscribers)
		.where(and(eq(subscribers.id, subscriberId), lt(subscribers.holdUntil, sql`now()`)));
	return lapsed !== undefined;
}

/** How many lapsed holds one beat of the clock looks at. */
const HOLD_BATCH = 100;

/**
 * The clock: releases places kept past their time (an unpaid Checkout, a lapsed offer) and passes
 * each on. A Checkout is first ended at Stripe; one paid meanwhile is left to its completion.
 * A hold that cannot be settled yet (its first payment still being confirmed, Stripe unreachable)
 * is tried again after every other lapsed hold, so that a crowd of them never keeps the rest
 * waiting; one still unsettled an hour after its time is logged, by id.
 */
export async function releaseLapsedHolds(
	db: Db,
	{
		batch = HOLD_BATCH,
		log = (message: string) => console.warn(`[holds] ${message}`)
	}: { batch?: number; log?: (message: string) => void } = {}
): Promise<number> {
	const due = await db
		.select({
			id: subscribers.id,
			ownerId: subscribers.ownerId,
			checkoutSessionId: subscribers.checkoutSessionId,
			longOverdue: sql<boolean>`${subscribers.holdUntil} < now() - interval '1 hour'`
		})
		.from(subscribers)
		.where(and(eq(subscribers.status, 'held'), lt(subscribers.holdUntil, sql`now()`)))
		.orderBy(sql`${subscribers.holdCheckedAt} asc nulls first`, asc(subscribers.holdUntil))
		.limit(batch);
	let released = 0;
	for (const hold of due) {
		const state = hold.checkoutSessionId
			? await expireCheckout(db, hold.ownerId, hold.checkoutSessionId)
			: 'expired';
		const options = { sessionId: hold.checkoutSessionId, due: true, notify: true };
		if (state === 'expired') {
			if (await releaseHold(db, hold.id, { ...options, origin: appOrigin() })) released += 1;
			continue;
		}
		await db
			.update(subscribers)
			.set({ holdCheckedAt: sql`now()` })
			.where(eq(subscribers.id, hold.id));
		if (hold.longOverdue) {
			log(`hold ${hold.id} (Checkout ${hold.checkoutSessionId}) still unsettled, kept`);
		}
	}
	return released;
}

/** What a webhook handler gives the derivation: Stripe, and a way to announce after commit. */
export type SubscriptionEffects = {
	stripe: Stripe;
	afterCommit: (effect: () => void) => void;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The subscriber a subscription is for, when the account it came from is their practitioner's. */
async function subscriberOf(tx: Db, accountId: string, subscriberId: string | undefined | null) {
	if (!subscriberId || !UUID.test(subscriberId)) return null;
	const [found] = await tx
		.select({ seriesId: subscribers.seriesId, ownerId: subscribers.ownerId })
		.from(subscribers)
		.where(eq(subscribers.id, subscriberId));
	if (!found) return null;
	// Metadata is only as good as the account it came from: the practitioner's own.
	const account = await connectedAccount(tx, found.ownerId);
	return account?.accountId === accountId ? found : null;
}

/** Whether a subscription was opened for the place kept for this subscriber now (or last). */
const forHold = (subscription: Stripe.Subscription, subscriber: SubscriberRow) =>
	subscriber.arrival !== null && subscription.metadata?.hold === holdMarker(subscriber);

/**
 * A running subscription of this account for a subscriber who is gone (removed by their
 * practitioner): nobody's place, so it ends at once rather than charging a deleted person.
 */
async function endOrphan(
	tx: Db,
	stripe: Stripe,
	accountId: string,
	subscription: Stripe.Subscription
) {
	const { subscriber_id: subscriberId, series_id: seriesId } = subscription.metadata ?? {};
	if (!subscriberId || !seriesId || !UUID.test(subscriberId) || !UUID.test(seriesId)) return;
	if (subscription.status === 'canceled' || subscription.status === 'incomplete_expired') return;
	const [still] = await tx
		.select({ id: subscribers.id })
		.from(subscribers)
		.where(eq(subscribers.id, subscriberId));
	if (still) return;
	const [row] = await tx
		.select({ ownerId: series.ownerId })
		.from(series)
		.where(eq(series.id, seriesId));
	if (!row || (await connectedAccount(tx, row.ownerId))?.accountId !== accountId) return;
	await cancelAtOnce(stripe, accountId, subscription.id);
}

/** Ends a subscription now: nothing more is charged. */
function cancelAtOnce(stripe: Stripe, accountId: string, subscriptionId: string) {
	return stripe.subscriptions.cancel(
		subscriptionId,
		{},
		{ stripeAccount: accountId, idempotencyKey: `late-cancel:${subscriptionId}` }
	);
}

/**
 * Ends a refused subscription once the transaction committed, outside the series' lock. Should
 * Stripe fail, it is logged, and the subscription's next event refuses it again.
 */
function cancelAfterCommit(
	{ stripe, afterCommit }: SubscriptionEffects,
	accountId: string,
	subscriptionId: string
) {
	afterCommit(() => {
		cancelAtOnce(stripe, accountId, subscriptionId).catch((error: unknown) =>
			reportUnexpected(error, `Cancelling the refused subscription ${subscriptionId}`)
		);
	});
}

/**
 * A second subscription for a place already paid by another (two Checkouts paid): it ends at
 * once, and the subscriber is told to ask for the double payment back.
 */
async function refuseSecondSubscription(
	tx: Db,
	effects: SubscriptionEffects,
	accountId: string,
	row: SeriesRow,
	subscriber: SubscriberRow,
	subscription: Stripe.Subscription
) {
	cancelAfterCommit(effects, accountId, subscription.id);
	const origin = appOrigin();
	const [practitioner] = await tx
		.select({ name: users.name })
		.from(users)
		.where(eq(users.id, row.ownerId));
	await queueEmail(
		tx,
		await subscriptionEmail(
			tx,
			origin,
			row,
			subscriber,
			`charged-twice:${subscriber.id}:${subscription.id}`,
			{
				subject: `You were charged twice: ${row.title}`,
				paragraphs: [
					`Your place in “${row.title}” was paid for twice. We cancelled the second subscription at once: it will not be charged again, and your place stays as it is.`,
					`For the second payment, please ask ${practitioner?.name ?? 'your practitioner'} for a refund.`
				]
			}
		)
	);
}

function subscriptionEmail(
	db: Db,
	origin: string,
	row: SeriesRow,
	subscriber: SubscriberRow,
	key: string,
	mail: Mail
) {
	return subscriberEmail(
		db,
		origin,
		key,
		key.slice(0, key.indexOf(':')),
		subscriber,
		row.title,
		mail
	);
}

/**
 * The one derivation of a subscriber from their Stripe subscription, as Stripe has it now: every
 * subscription webhook re-reads the subscription and calls this, so the order events arrive in
 * changes nothing. Under the series' row lock:
 * - active / trialing: in and paid (welcomed once); past_due / unpaid: in, payment past due;
 * - canceled / incomplete_expired: out, and the place passed on;
 * - incomplete: the place stays kept while the first payment is confirmed.
 * A subscription that became active after its hold was released, on a series now full, is
 * cancelled at once and its subscriber told. Returns the subscriber as it now stands, or null when
 * the subscription is none of ours (another account, another subscription of theirs).
 */
export async function applySubscription(
	tx: Db,
	accountId: string,
	subscription: Stripe.Subscription,
	{ stripe, afterCommit }: SubscriptionEffects
): Promise<SubscriberRow | null> {
	const found = await subscriberOf(tx, accountId, subscription.metadata?.subscriber_id);
	if (!found) {
		await endOrphan(tx, stripe, accountId, subscription);
		return null;
	}
	const subscriberId = subscription.metadata.subscriber_id!;
	const row = await lockSeries(tx, found.seriesId);
	const [current] = await tx.select().from(subscribers).where(eq(subscribers.id, subscriberId));
	const ours = current!.stripeSubscriptionId === subscription.id;
	// The payment for the place kept for them (or released unpaid): an older subscription, say
	// one ending after they left, never takes over a newer hold.
	const claims = ours || forHold(subscription, current!);
	const placed = current!.status === 'active' || current!.status === 'held';
	const { payment, paidUntil, cancelAt } = paymentOfSubscription(subscription);
	const billing = {
		stripeCustomerId:
			typeof subscription.customer === 'string' ? subscription.customer : subscription.customer.id,
		stripeSubscriptionId: subscription.id,
		paidUntil,
		cancelAt,
		updatedAt: new Date()
	};
	const origin = appOrigin();
	const set = async (values: Partial<SubscriberRow>) => {
		const [updated] = await tx
			.update(subscribers)
			.set({ ...billing, ...values })
			.where(eq(subscribers.id, subscriberId))
			.returning();
		return updated!;
	};
	let result: SubscriberRow | null = null;
	if (payment === 'paid' || payment === 'past_due') {
		if (!placed && ours) {
			// They left while it still runs: their leaving is what counts; the cancellation follows.
			return null;
		}
		if (!claims) {
			// For no place kept for them: it ends at once (unless it ends by itself, as one does
			// after they left), and they are told why.
			if (cancelAt) return null;
			const effects = { stripe, afterCommit };
			if (current!.status === 'active') {
				await refuseSecondSubscription(tx, effects, accountId, row, current!, subscription);
			} else {
				await refuseLatePayment(tx, effects, accountId, row, current!, subscription);
			}
			// Refused: nothing of theirs runs, so nothing (a billing notice) may follow as if it did.
			return null;
		}
		if (!placed && (await takenCount(tx, row.id)) >= row.capacity) {
			await refuseLatePayment(tx, { stripe, afterCommit }, accountId, row, current!, subscription);
			// Refused: nothing of theirs runs, so nothing (a billing notice) may follow as if it did.
			return null;
		}
		const arrival = current!.arrival ?? Number((await nextArrivals(tx, 1))[0]);
		result = await set({
			status: 'active',
			payment,
			holdUntil: null,
			arrival,
			leftAt: null,
			confirmedAt: current!.confirmedAt ?? new Date()
		});
		if (payment === 'paid') {
			const dates = await upcoming(tx, row.id, 12);
			await queueEmail(tx, await welcomeEmail(tx, origin, row, dates, result, false));
		}
	} else if (payment === 'canceled') {
		// An older subscription's end says nothing about a place they hold now, unless it is the
		// one their kept place was waiting for.
		if (!claims) return null;
		result = await set({
			payment,
			holdUntil: null,
			...(placed && { status: 'left', leftAt: new Date() })
		});
		if (placed) {
			await queueEmail(
				tx,
				await subscriptionEmail(
					tx,
					origin,
					row,
					result,
					`subscription-ended:${result.id}:${subscription.id}`,
					{
						subject: `Your subscription has ended: ${row.title}`,
						paragraphs: [
							`Your subscription to “${row.title}” has ended, and with it your place. Nothing more will be charged.`,
							'You are welcome to sign up again on the series page.'
						],
						action: { label: 'See the series', url: `${origin}/s/${row.slug}` }
					}
				)
			);
			await promoteNext(tx, origin, row);
		}
	} else if (current!.status === 'held' && claims) {
		// incomplete: the first payment is being confirmed; the place stays kept.
		result = await set({});
	} else {
		return null;
	}
	const left = await placesLeft(tx, row);
	afterCommit(() => announceCommitted(row, left));
	return result;
}

/**
 * Paid for a place that was already gone (their hold was released, the series filled up): the
 * subscription ends at once, so that nothing more is charged, and they are told. Its id is not
 * kept, so its own end leaves their row (say, on the waitlist) as it is. Stripe is asked once
 * the series' row lock is let go (signups to the series wait for it); should it fail, the next
 * event of the subscription (Stripe sends several as one begins) refuses it again.
 */
async function refuseLatePayment(
	tx: Db,
	effects: SubscriptionEffects,
	accountId: string,
	row: SeriesRow,
	subscriber: SubscriberRow,
	subscription: Stripe.Subscription
) {
	cancelAfterCommit(effects, accountId, subscription.id);
	const origin = appOrigin();
	await queueEmail(
		tx,
		await subscriptionEmail(
			tx,
			origin,
			row,
			subscriber,
			`place-gone:${subscriber.id}:${subscription.id}`,
			{
				subject: `The place was already gone: ${row.title}`,
				paragraphs: [
					`Your payment for “${row.title}” reached us after the place kept for you had been released, and the series is now full.`,
					'We cancelled the subscription at once: you will not be charged again. For the payment already made, please reply to the practitioner for a refund.'
				],
				action: { label: 'See the series', url: `${origin}/s/${row.slug}` }
			}
		)
	);
}

/**
 * A failed payment of a running subscription: one notice per invoice, linking to the page where
 * the subscriber manages their payment. Only while Stripe still has it unpaid: a notice arriving
 * after the recovery says nothing true any more.
 */
export async function billingNotice(
	tx: Db,
	subscriber: SubscriberRow,
	subscription: Stripe.Subscription,
	invoiceId: string
): Promise<void> {
	if (subscription.status !== 'past_due' && subscription.status !== 'unpaid') return;
	const [row] = await tx.select().from(series).where(eq(series.id, subscriber.seriesId));
	const origin = appOrigin();
	const { manageUrl } = await subscriberLinks(tx, origin, subscriber.id);
	await queueEmail(
		tx,
		await subscriptionEmail(
			tx,
			origin,
			row!,
			subscriber,
			`billing-notice:${subscriber.id}:${invoiceId}`,
			{
				subject: `Your payment did not go through: ${row!.title}`,
				paragraphs: [
					`The latest payment for “${row!.title}” (${priceText(row!)}) failed. Your place is kept while Stripe tries again.`,
					'Please check your card on your page for this series.'
				],
				action: { label: 'Manage my payment', url: manageUrl }
			}
		)
	);
}

/**
 * A Checkout of a kept place finished: paid (its subscription is derived as every other) or
 * expired (the place is released and passed on). The session is read again from Stripe.
 */
export async function applyCheckoutSession(
	tx: Db,
	accountId: string,
	sessionId: string,
	effects: SubscriptionEffects
): Promise<void> {
	const on = { stripeAccount: accountId };
	const session = await unlessMissing(effects.stripe.checkout.sessions.retrieve(sessionId, {}, on));
	if (!session) return;
	const subscriptionId =
		typeof session.subscription === 'string' ? session.subscription : session.subscription?.id;
	if (subscriptionId) {
		const subscription = await unlessMissing(
			effects.stripe.subscriptions.retrieve(subscriptionId, {}, on)
		);
		if (subscription) await applySubscription(tx, accountId, subscription, effects);
		return;
	}
	if (session.status !== 'expired') return;
	const found = await subscriberOf(tx, accountId, session.metadata?.subscriber_id);
	if (!found) return;
	const options = { sessionId: session.id, notify: true, origin: appOrigin() };
	const row = await releaseHoldIn(tx, session.metadata!.subscriber_id!, options);
	if (row) {
		const left = await placesLeft(tx, row);
		effects.afterCommit(() => announceCommitted(row, left));
	}
}
