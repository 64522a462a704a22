import { sql, type SQL } from 'drizzle-orm';
import { sessions } from '../db/schema';

/**
 * The sum of the fees of the sessions that meet `condition` (of all, without one), 0 when none
 * do: bigint in PostgreSQL, since many fees each within an integer add up past one, read as a
 * Number (exact up to 2^53 minor units). A raw `db.execute` does not apply the mapping: its row
 * has the sum as text, for `Number` to read.
 */
export const feeSum = (condition?: SQL) =>
	sql<number>`coalesce(sum(${sessions.feeMinor})${condition ? sql` filter (where ${condition})` : sql``}, 0)::bigint`.mapWith(
		Number
	);
