import { sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';

/**
 * `column` falls on one of `days` local days from `fromDate` in `timeZone`: days are counted in
 * PostgreSQL, so a day across a daylight-saving change has its 23 or 25 hours.
 */
export function withinLocalDays(
	column: AnyPgColumn,
	timeZone: string,
	fromDate: string,
	days: number
): SQL {
	return sql`${column} >= (${fromDate}::date)::timestamp at time zone ${timeZone}
		and ${column} < (${fromDate}::date + ${days}::int)::timestamp at time zone ${timeZone}`;
}
