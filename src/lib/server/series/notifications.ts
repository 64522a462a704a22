import { and, eq, isNull, inArray } from 'drizzle-orm';
import { datePreferencesOf } from '../account/date-preferences';
import type { Db } from '../db';
import { series, subscribers, type OccurrenceRow } from '../db/schema';
import { queueEmail } from '../email/deliveries';
import { subscriberMessage, whenInZone } from '../email/subscriber-messages';
import { practitionerName, subscriberLinks } from '../subscribers/service';

type Change =
	| { kind: 'cancelled' | 'restored'; occurrence: OccurrenceRow }
	| { kind: 'moved'; occurrence: OccurrenceRow; previousStartsAt: Date };

function wording(change: Change, title: string, writeWhen: (instant: Date) => string) {
	const when = writeWhen(change.occurrence.startsAt);
	const others = 'The other dates stay as they are.';
	switch (change.kind) {
		case 'cancelled':
			return {
				subject: `Cancelled: ${title} on ${when}`,
				paragraphs: [`The date on ${when} is cancelled. ${others}`]
			};
		case 'restored':
			return {
				subject: `Back on: ${title} on ${when}`,
				paragraphs: [`The date on ${when} takes place after all. ${others}`]
			};
		case 'moved':
			return {
				subject: `New time: ${title}`,
				paragraphs: [`The date on ${writeWhen(change.previousStartsAt)} moves to ${when}.`, others]
			};
	}
}

/**
 * Emails everyone holding a place or waiting about a cancelled, restored or moved date, in the
 * same transaction as the change. Keys name the change, so a retried request sends nothing twice.
 */
export async function notifyOccurrenceChange(
	db: Db,
	origin: string,
	change: Change
): Promise<void> {
	const { occurrence } = change;
	const [row] = await db.select().from(series).where(eq(series.id, occurrence.seriesId));
	const people = await db
		.select({ id: subscribers.id, name: subscribers.name, email: subscribers.email })
		.from(subscribers)
		.where(
			and(
				eq(subscribers.seriesId, occurrence.seriesId),
				inArray(subscribers.status, ['active', 'held', 'waitlisted']),
				isNull(subscribers.unsubscribedAt)
			)
		);
	const [writing, practitioner] = await Promise.all([
		datePreferencesOf(db, row!.ownerId),
		practitionerName(db, row!.ownerId)
	]);
	const { subject, paragraphs } = wording(change, row!.title, (instant) =>
		whenInZone(instant, row!.timeZone, writing)
	);
	// A date can be cancelled, put back on and cancelled again: each change is its own message.
	const changeKey = `${occurrence.id}:${(change.kind === 'moved' ? occurrence.startsAt : occurrence.updatedAt).toISOString()}`;
	for (const person of people) {
		const links = await subscriberLinks(db, origin, person.id);
		const key = `occurrence-${change.kind}:${changeKey}:${person.id}`;
		await queueEmail(db, {
			key,
			purpose: `occurrence-${change.kind}`,
			email: subscriberMessage({
				to: person.email,
				seriesTitle: row!.title,
				practitioner,
				subject,
				greeting: `Hello ${person.name},`,
				paragraphs,
				...links
			})
		});
	}
}
