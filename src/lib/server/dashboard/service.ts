import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db';
import { sessions } from '../db/schema';
import { recentNotes } from '../notes/service';
import { listSeries } from '../series/service';
import { owedByCurrency, practiceBetween, SLOT_HOLDING } from '../sessions/service';

/** Today's date in a time zone, as PostgreSQL sees it. */
async function localToday(db: Db, timeZone: string): Promise<string> {
	const [row] = await db.execute<{ today: string }>(
		sql`select to_char(now() at time zone ${timeZone}, 'YYYY-MM-DD') as today`
	);
	return row!.today;
}

/**
 * The dashboard in six queries: today and the next seven days (sessions, group dates), this week's
 * count (Monday to Sunday, local), what clients owe, the latest notes, and the published series
 * with their counts.
 */
export async function dashboard(db: Db, ownerId: string, timeZone: string) {
	const today = await localToday(db, timeZone);
	const weekStart = sql`date_trunc('week', (now() at time zone ${timeZone}))`;
	const [upcoming, [week], owed, notes, allSeries] = await Promise.all([
		practiceBetween(db, ownerId, timeZone, today, 8),
		db
			.select({ count: sql<number>`count(*)::int` })
			.from(sessions)
			.where(
				and(
					eq(sessions.ownerId, ownerId),
					inArray(sessions.status, SLOT_HOLDING),
					sql`${sessions.startsAt} >= ${weekStart} at time zone ${timeZone}`,
					sql`${sessions.startsAt} < (${weekStart} + interval '7 days') at time zone ${timeZone}`
				)
			),
		owedByCurrency(db, ownerId),
		recentNotes(db, ownerId),
		listSeries(db, ownerId)
	]);
	return {
		today,
		upcoming: upcoming.sessions,
		upcomingSeriesDates: upcoming.seriesDates,
		sessionsThisWeek: week?.count ?? 0,
		owed,
		recentNotes: notes,
		series: allSeries.filter((s) => s.status === 'published')
	};
}
