import { eq } from 'drizzle-orm';
import type { DatePrefs } from '../../format';
import type { Db } from '../db';
import { users } from '../db/schema';

/**
 * How a practitioner reads dates, from their own zone. Their subscribers read the series' dates
 * in the same words (locale and clock), on the public pages and in every email.
 */
export async function datePreferencesOf(db: Db, userId: string): Promise<DatePrefs> {
	const [row] = await db
		.select({ locale: users.locale, clock: users.clock, timeZone: users.timeZone })
		.from(users)
		.where(eq(users.id, userId));
	return row!;
}
