import { TRPCError } from '@trpc/server';
import { and, asc, eq, gt, ilike, or, sql } from 'drizzle-orm';
import type { z } from 'zod';
import { hit, limits } from '../auth/rate-limit';
import type { Client } from '../auth/session';
import type { Db } from '../db';
import {
	series,
	seriesOccurrences,
	subscribers,
	type SeriesRow,
	type SubscriberRow
} from '../db/schema';
import { queueEmail } from '../email/deliveries';
import { subscriberMessage, whenInZone } from '../email/subscriber-messages';
import { renderNote } from '../notes/markdown';
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

/** What the public page shows: only published series, and nothing about who signed up. */
export async function publicSeries(db: Db, slug: string) {
	const [row] = await db.select().from(series).where(eq(series.slug, slug));
	if (!row || row.status === 'draft') throw notFound('series');
	const [dates, taken] = await Promise.all([upcoming(db, row.id, 12), activeCount(db, row.id)]);
	return {
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
	greeting: string;
	paragraphs: string[];
	action?: { label: string; url: string };
};

async function mailSubscriber(
	db: Db,
	origin: string,
	key: string,
	purpose: string,
	subscriber: Pick<SubscriberRow, 'id' | 'email'>,
	seriesTitle: string,
	mail: Mail,
	attachments?: { filename: string; content: string; contentType: string }[]
) {
	const links = await subscriberLinks(db, origin, subscriber.id);
	const email = subscriberMessage({ to: subscriber.email, seriesTitle, ...mail, ...links });
	await queueEmail(db, { key, purpose, email: attachments ? { ...email, attachments } : email });
}

/**
 * The public signup. Always answers the same way, whoever signs up: a new or returning address
 * gets a confirmation link (double opt-in); someone already in gets a reminder of their place.
 */
export async function signUp(
	db: Db,
	slug: string,
	input: z.output<typeof publicSignupSchema>,
	client: Client,
	origin: string
): Promise<{ seriesId: string; ownerId: string; subscriberId: string | null }> {
	await hit(db, limits.publicSignupPerIp, client.ip ?? 'unknown');
	const [row] = await db.select().from(series).where(eq(series.slug, slug));
	if (!row || row.status === 'draft') throw notFound('series');
	if (row.status !== 'published') {
		throw new TRPCError({
			code: 'BAD_REQUEST',
			message: 'This series has ended and takes no new signups.'
		});
	}
	// Bots fill every field; people never see this one. Answer as if it worked.
	if (input.website) return { seriesId: row.id, ownerId: row.ownerId, subscriberId: null };

	return db.transaction(async (tx) => {
		const [saved] = await tx
			.insert(subscribers)
			.values({
				seriesId: row.id,
				ownerId: row.ownerId,
				name: input.name,
				email: input.email,
				phone: input.phone || null,
				consentedAt: new Date()
			})
			.onConflictDoUpdate({
				target: [subscribers.seriesId, subscribers.email],
				set: {
					name: sql`case when ${subscribers.status} in ('pending', 'left') then excluded.name else ${subscribers.name} end`,
					phone: sql`case when ${subscribers.status} in ('pending', 'left') then excluded.phone else ${subscribers.phone} end`,
					status: sql`case when ${subscribers.status} = 'left' then 'pending'::subscriber_status else ${subscribers.status} end`,
					consentedAt: sql`excluded.consented_at`,
					updatedAt: new Date()
				}
			})
			.returning();
		const subscriber = saved!;
		const minute = new Date().toISOString().slice(0, 16);
		if (subscriber.status === 'pending') {
			const token = await signLink(tx, 'confirm', subscriber.id);
			await mailSubscriber(
				tx,
				origin,
				`series-confirm:${subscriber.id}:${minute}`,
				'series-confirm',
				subscriber,
				row.title,
				{
					subject: `Confirm your place: ${row.title}`,
					greeting: `Hello ${subscriber.name},`,
					paragraphs: [
						`Please confirm that you want to join “${row.title}”. Until you do, nothing is booked.`
					],
					action: { label: 'Confirm my place', url: `${origin}/s/${row.slug}/confirm/${token}` }
				}
			);
		} else {
			await mailSubscriber(
				tx,
				origin,
				`series-already:${subscriber.id}:${minute.slice(0, 10)}`,
				'series-already',
				subscriber,
				row.title,
				{
					subject: `You are already signed up: ${row.title}`,
					greeting: `Hello ${subscriber.name},`,
					paragraphs: [
						subscriber.status === 'active'
							? `You already have a place in “${row.title}”.`
							: `You are already on the waitlist for “${row.title}”; we will email you when a place opens.`
					]
				}
			);
		}
		return { seriesId: row.id, ownerId: row.ownerId, subscriberId: subscriber.id };
	});
}

/** Locks the series row: every change to who holds a place happens one at a time per series. */
async function lockSeries(db: Db, seriesId: string): Promise<SeriesRow> {
	const [row] = await db.select().from(series).where(eq(series.id, seriesId)).for('update');
	if (!row) throw notFound('series');
	return row;
}

async function welcome(
	db: Db,
	origin: string,
	row: SeriesRow,
	subscriber: SubscriberRow,
	promoted: boolean
) {
	const dates = await upcoming(db, row.id, 12);
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
	await mailSubscriber(
		db,
		origin,
		`series-admitted:${subscriber.id}:${subscriber.arrival}`,
		promoted ? 'series-promoted' : 'series-admitted',
		subscriber,
		row.title,
		{
			subject: promoted ? `A place opened up for you: ${row.title}` : `You are in: ${row.title}`,
			greeting: `Hello ${subscriber.name},`,
			paragraphs: [
				promoted
					? `Good news: a place in “${row.title}” opened up, and it is yours.`
					: `Your place in “${row.title}” is confirmed.`,
				next
					? `Next date: ${whenInZone(next.startsAt, row.timeZone)}.`
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

/**
 * Confirms a signup. Under the series' row lock, the person takes a free place or, when the series
 * is full, joins the waitlist; concurrent confirmations can never put more people in than places.
 */
export async function confirm(db: Db, token: string, origin: string) {
	const id = await verifyLink(db, 'confirm', token);
	if (!id)
		throw new TRPCError({ code: 'BAD_REQUEST', message: 'This confirmation link is not valid.' });
	return db.transaction(async (tx) => {
		const [pending] = await tx.select().from(subscribers).where(eq(subscribers.id, id));
		if (!pending) throw notFound('signup');
		const row = await lockSeries(tx, pending.seriesId);
		const [subscriber] = await tx.select().from(subscribers).where(eq(subscribers.id, id));
		if (subscriber!.status !== 'pending')
			return { subscriber: subscriber!, series: row, changed: false };
		if (row.status !== 'published') {
			throw new TRPCError({ code: 'BAD_REQUEST', message: 'This series takes no new signups.' });
		}
		const status = (await activeCount(tx, row.id)) < row.capacity ? 'active' : 'waitlisted';
		const [admitted] = await tx
			.update(subscribers)
			.set({
				status,
				arrival: sql`nextval('subscriber_arrival_seq')`,
				confirmedAt: new Date(),
				updatedAt: new Date()
			})
			.where(eq(subscribers.id, id))
			.returning();
		if (status === 'active') await welcome(tx, origin, row, admitted!, false);
		else {
			await mailSubscriber(
				tx,
				origin,
				`series-waitlisted:${id}:${admitted!.arrival}`,
				'series-waitlisted',
				admitted!,
				row.title,
				{
					subject: `You are on the waitlist: ${row.title}`,
					greeting: `Hello ${admitted!.name},`,
					paragraphs: [
						`“${row.title}” is full right now. You are on the waitlist, and we will email you the moment a place is yours.`
					]
				}
			);
		}
		return { subscriber: admitted!, series: row, changed: true };
	});
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
	if (next) await welcome(db, origin, row, next, true);
	return next ?? null;
}

/** The subscriber leaves (self-service) or is removed (practitioner); a freed place is passed on. */
async function release(db: Db, origin: string, subscriberId: string, remove: boolean) {
	return db.transaction(async (tx) => {
		const [found] = await tx.select().from(subscribers).where(eq(subscribers.id, subscriberId));
		if (!found) throw notFound('subscriber');
		const row = await lockSeries(tx, found.seriesId);
		const [current] = await tx.select().from(subscribers).where(eq(subscribers.id, subscriberId));
		if (remove) await tx.delete(subscribers).where(eq(subscribers.id, subscriberId));
		else if (current!.status !== 'left') {
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
	const dates = await upcoming(db, row!.id, 12);
	const online = row!.locationKind === 'online';
	return {
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
			createdAt: subscribers.createdAt
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
