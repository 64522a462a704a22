import { and, asc, eq, like } from 'drizzle-orm';
import { expect } from 'vitest';
import type { Database } from '../../../src/lib/server/db';
import { emailDeliveries, seriesOccurrences, subscribers } from '../../../src/lib/server/db/schema';
import { weekdayFields } from '../../../src/lib/server/series/schemas';
import { ORIGIN, TestBrowser } from './browser';

type Api = Awaited<ReturnType<TestBrowser['api']>>;

/** The address visitor `n` of a series signs up with. */
export const visitorEmail = (slug: string, n: number) => `visitor${n}-${slug}@example.com`;

/** The series' first `limit` dates, the earliest first. */
export function firstDates(db: Database, seriesId: string, limit: number) {
	return db
		.select()
		.from(seriesOccurrences)
		.where(eq(seriesOccurrences.seriesId, seriesId))
		.orderBy(asc(seriesOccurrences.startsAt))
		.limit(limit);
}
type SeriesFields = Parameters<Api['series']['create']>[0];

/** A weekly Tuesday-evening series in Berlin, far in the future unless told otherwise. */
export function seriesInput(fields: Partial<SeriesFields> = {}): SeriesFields {
	return {
		title: 'Evening yoga',
		slug: '',
		description: 'Gentle **flow**.',
		timeZone: 'Europe/Berlin',
		...weekdayFields([2]),
		startTime: '18:00',
		startDate: '2099-01-01',
		endKind: 'never',
		endDate: '',
		occurrenceCount: 10,
		durationMinutes: 60,
		capacity: 20,
		locationKind: 'in_person',
		locationDetail: 'Studio 2, Hauptstraße 5',
		remind24h: true,
		remind1h: true,
		...fields
	};
}

/** A series that started this year and is open for signups. */
export async function publishedSeries(api: Api, fields: Partial<SeriesFields> = {}) {
	const created = await api.series.create(seriesInput({ startDate: '2026-01-01', ...fields }));
	await api.series.setStatus({ id: created.id, status: 'published' });
	return created;
}

/** Visitor `n` signs up on the public page; returns their browser and the link's token. */
export async function signUp(db: Database, slug: string, n: number) {
	const visitor = await new TestBrowser(db).api();
	const email = visitorEmail(slug, n);
	await visitor.subscribers.signUp({
		slug,
		fields: { name: `Visitor ${n}`, email, phone: '', consent: true, website: '' }
	});
	const [mail] = await db
		.select({ text: emailDeliveries.text })
		.from(emailDeliveries)
		.where(
			and(eq(emailDeliveries.recipient, email), like(emailDeliveries.key, 'series-confirm:%'))
		);
	const token = mail!.text.match(new RegExp(`${ORIGIN}/s/${slug}/confirm/(\\S+)`))![1]!;
	return { visitor, token };
}

/** Visitor `n` signs up and clicks the link in the confirmation email. */
export async function signUpAndConfirm(db: Database, slug: string, n: number) {
	const { visitor, token } = await signUp(db, slug, n);
	return visitor.subscribers.confirm({ token });
}

/**
 * A crowd's outcome: exactly `places` admitted, everyone else waiting, and those admitted the
 * first to arrive, with no arrival number given twice.
 */
export async function expectFirstComeFirstServed(
	db: Database,
	seriesId: string,
	{ places, crowd }: { places: number; crowd: number }
) {
	const rows = await db
		.select()
		.from(subscribers)
		.where(eq(subscribers.seriesId, seriesId))
		.orderBy(asc(subscribers.arrival));
	expect(rows.filter((r) => r.status === 'active')).toHaveLength(places);
	expect(rows.filter((r) => r.status === 'waitlisted')).toHaveLength(crowd - places);
	expect(rows.slice(0, places).every((r) => r.status === 'active')).toBe(true);
	expect(new Set(rows.map((r) => r.arrival)).size).toBe(crowd);
}
