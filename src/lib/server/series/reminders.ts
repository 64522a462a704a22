import { sql } from 'drizzle-orm';
import type { Clock } from '../../format';
import { appOrigin } from '../config';
import type { Db } from '../db';
import { emailDeliveries, series, seriesOccurrences, subscribers, users } from '../db/schema';
import { queueEmails, type QueuedEmail } from '../email/deliveries';
import { subscriberMessage, whenInZone } from '../email/subscriber-messages';
import { subscriberJoinPath } from '../integrations/zoom/meetings';
import { signLink } from '../signed-links';

type DueReminder = {
	key: string;
	occurrenceId: string;
	offsetMinutes: number;
	startsAt: string | Date;
	joinUrl: string | null;
	title: string;
	practitioner: string;
	timeZone: string;
	locale: string;
	clock: Clock;
	locationKind: 'in_person' | 'online' | 'zoom';
	locationDetail: string;
	subscriberId: string;
	name: string;
	email: string;
};

/**
 * Every reminder that is due and not yet queued, one row per subscriber and occurrence. Of a
 * series' offsets whose moment has come, only the nearest to the start counts: after an outage a
 * subscriber gets the one-hour reminder, not the one-day one as well, an hour before.
 */
function dueReminders(db: Db) {
	const offsets = sql`unnest(${series.reminderOffsets})`;
	return db.execute<DueReminder>(sql`
		select
			concat('reminder:', ${seriesOccurrences.id}, ':', due.offset_minutes, ':', ${subscribers.id}) as "key",
			${seriesOccurrences.id} as "occurrenceId",
			due.offset_minutes as "offsetMinutes",
			${seriesOccurrences.startsAt} as "startsAt",
			${seriesOccurrences.joinUrl} as "joinUrl",
			${series.title} as "title",
			${users.name} as "practitioner",
			${series.timeZone} as "timeZone",
			${users.locale} as "locale",
			${users.clock} as "clock",
			${series.locationKind} as "locationKind",
			${series.locationDetail} as "locationDetail",
			${subscribers.id} as "subscriberId",
			${subscribers.name} as "name",
			${subscribers.email} as "email"
		from ${series}
		join ${users} on ${users.id} = ${series.ownerId}
		join ${seriesOccurrences}
			on ${seriesOccurrences.seriesId} = ${series.id}
			and ${seriesOccurrences.status} = 'scheduled'
			and ${seriesOccurrences.startsAt} > now()
			and ${seriesOccurrences.startsAt}
				<= now() + (select max(x) from ${offsets} as x) * interval '1 minute'
		cross join lateral (
			select min(x) as offset_minutes from ${offsets} as x
			where ${seriesOccurrences.startsAt} - x * interval '1 minute' <= now()
		) as due
		join ${subscribers}
			on ${subscribers.seriesId} = ${series.id}
			and ${subscribers.status} = 'active'
			and ${subscribers.unsubscribedAt} is null
		where ${series.status} = 'published'
			and due.offset_minutes is not null
			and not exists (
				select 1 from ${emailDeliveries} where ${emailDeliveries.key} = concat(
					'reminder:', ${seriesOccurrences.id}, ':', due.offset_minutes, ':', ${subscribers.id}
				)
			)
		-- Concurrent runs insert in the same key order, so they wait on each other, never deadlock.
		order by 1`);
}

async function reminderEmail(
	db: Db,
	row: DueReminder,
	origin: string,
	links: { manageUrl: string; unsubscribeUrl: string }
): Promise<QueuedEmail> {
	const when = whenInZone(new Date(row.startsAt), row.timeZone, row);
	// The stable link, not Zoom's: a meeting made again after this email still opens from it.
	const joinUrl =
		row.locationKind === 'zoom' ||
		(row.locationKind === 'online' && (row.joinUrl || row.locationDetail))
			? origin + (await subscriberJoinPath(db, row.occurrenceId, row.subscriberId))
			: '';
	const where =
		row.locationKind === 'in_person'
			? `Where: ${row.locationDetail || 'the address you were given'}.`
			: joinUrl
				? `It takes place online. Join here: ${joinUrl}`
				: 'It takes place online; the join link follows before the start.';
	return {
		key: row.key,
		purpose: 'series-reminder',
		email: subscriberMessage({
			to: row.email,
			seriesTitle: row.title,
			practitioner: row.practitioner,
			subject: `Reminder: ${row.title}, ${when}`,
			greeting: `Hello ${row.name},`,
			paragraphs: [`A reminder: “${row.title}” is on ${when}.`, where],
			action: joinUrl ? { label: 'Join the session', url: joinUrl } : undefined,
			...links
		})
	};
}

/**
 * The `series.reminders` job, every minute: queues each due reminder once. Its key
 * `reminder:<occurrence>:<offset>:<subscriber>` makes a second run — or a second worker running
 * at the same moment — add nothing. One query finds the due rows; links are signed in memory.
 */
export async function queueDueReminders(db: Db): Promise<number> {
	const due = await dueReminders(db);
	if (due.length === 0) return 0;
	const origin = appOrigin();
	const links = new Map<string, { manageUrl: string; unsubscribeUrl: string }>();
	const emails: QueuedEmail[] = [];
	for (const row of due) {
		let pair = links.get(row.subscriberId);
		if (!pair) {
			pair = {
				manageUrl: `${origin}/m/${await signLink(db, 'manage', row.subscriberId)}`,
				unsubscribeUrl: `${origin}/u/${await signLink(db, 'unsubscribe', row.subscriberId)}`
			};
			links.set(row.subscriberId, pair);
		}
		emails.push(await reminderEmail(db, row, origin, pair));
	}
	return (await queueEmails(db, emails)).length;
}
