import { and, eq, isNull, inArray } from 'drizzle-orm';
import { datePreferencesOf } from '../account/date-preferences';
import type { Db } from '../db';
import { series, subscribers, type OccurrenceRow } from '../db/schema';
import { queueEmail } from '../email/deliveries';
import { subscriberMessage, whenInZone } from '../email/subscriber-messages';
import { subscriberLinks } from '../subscribers/service';

type Change =
	| { kind: 'cancelled'; occurrence: OccurrenceRow }
	| { kind: 'moved'; occurrence: OccurrenceRow; previousStartsAt: Date };

/**
 * Emails everyone holding a place or waiting about a cancelled or moved date, in the same
 * transaction as the change. Keys name the change, so a retried request sends nothing twice.
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
				inArray(subscribers.status, ['active', 'waitlisted']),
				isNull(subscribers.unsubscribedAt)
			)
		);
	const zone = row!.timeZone;
	const writing = await datePreferencesOf(db, row!.ownerId);
	const when = (instant: Date) => whenInZone(instant, zone, writing);
	for (const person of people) {
		const links = await subscriberLinks(db, origin, person.id);
		const subject =
			change.kind === 'cancelled'
				? `Cancelled: ${row!.title} on ${when(occurrence.startsAt)}`
				: `New time: ${row!.title}`;
		const paragraphs =
			change.kind === 'cancelled'
				? [
						`The date on ${when(occurrence.startsAt)} is cancelled. The other dates stay as they are.`
					]
				: [
						`The date on ${when(change.previousStartsAt)} moves to ${when(occurrence.startsAt)}.`,
						'The other dates stay as they are.'
					];
		const key =
			change.kind === 'cancelled'
				? `occurrence-cancelled:${occurrence.id}:${person.id}`
				: `occurrence-moved:${occurrence.id}:${occurrence.startsAt.toISOString()}:${person.id}`;
		await queueEmail(db, {
			key,
			purpose: `occurrence-${change.kind}`,
			email: subscriberMessage({
				to: person.email,
				seriesTitle: row!.title,
				subject,
				greeting: `Hello ${person.name},`,
				paragraphs,
				...links
			})
		});
	}
}
