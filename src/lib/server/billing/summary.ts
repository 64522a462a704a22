import { inArray, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db';
import { clients, sessions } from '../db/schema';
import { withinLocalDays } from '../local-days';
import { notFound } from '../practice-errors';
import { BILLABLE } from '../sessions/service';
import { feeSum } from './fee-sum';
import { daysIn } from './periods';

/** The figures of one currency: counts of sessions, and amounts in its minor units. */
export type Totals = {
	currency: string;
	held: number;
	billed: number;
	paid: number;
	waived: number;
	outstanding: number;
	noShows: number;
	noShowCharged: number;
	lateCancels: number;
	lateCancelCharged: number;
};

export type ClientTotals = { clientId: string; clientName: string; totals: Totals[] };
export type Summary = { practice: Totals[]; clients: ClientTotals[] };

type Range = { from: string; to: string };

const billable = inArray(sessions.status, BILLABLE);
const countOf = (condition: SQL) => sql<number>`(count(*) filter (where ${condition}))::int`;

/**
 * The figures per currency of a period, for the practice and for each client, in one query: a
 * session belongs to the day it began on in the practitioner's zone. For one client the join is
 * a left one, so that a client without sessions in the period is still found (a row without a
 * currency) and one of someone else is not.
 */
function summaryRows(db: Db, ownerId: string, timeZone: string, range: Range, clientId?: string) {
	return db.execute<{
		client_id: string | null;
		client_name: string | null;
		is_total: boolean;
		currency: string | null;
		held: number;
		billed: string;
		paid: string;
		waived: string;
		outstanding: string;
		no_shows: number;
		no_show_charged: string;
		late_cancels: number;
		late_cancel_charged: string;
	}>(sql`
		select ${clients.id} as client_id, ${clients.name} as client_name,
			grouping(${clients.id}) = 1 as is_total,
			${sessions.currency} as currency,
			${countOf(sql`${sessions.status} = 'completed'`)} as held,
			${feeSum(billable)} as billed,
			${feeSum(sql`${billable} and ${sessions.paymentStatus} = 'paid'`)} as paid,
			${feeSum(sql`${billable} and ${sessions.paymentStatus} = 'waived'`)} as waived,
			${feeSum(sql`${billable} and ${sessions.paymentStatus} = 'unpaid'`)} as outstanding,
			${countOf(sql`${sessions.status} = 'no_show'`)} as no_shows,
			${feeSum(sql`${sessions.status} = 'no_show'`)} as no_show_charged,
			${countOf(sql`${sessions.status} = 'late_cancelled'`)} as late_cancels,
			${feeSum(sql`${sessions.status} = 'late_cancelled'`)} as late_cancel_charged
		from ${clients}
		${clientId ? sql`left join` : sql`join`} ${sessions} on ${sessions.clientId} = ${clients.id}
			and ${sessions.ownerId} = ${ownerId}
			and ${withinLocalDays(sessions.startsAt, timeZone, range.from, daysIn(range))}
		where ${clients.ownerId} = ${ownerId}
			${clientId ? sql`and ${clients.id} = ${clientId}` : sql``}
		group by grouping sets ((${sessions.currency}), (${clients.id}, ${clients.name}, ${sessions.currency}))
		having count(${sessions.id}) > 0 ${clientId ? sql`or grouping(${clients.id}) = 0` : sql``}
		order by grouping(${clients.id}) desc, lower(${clients.name}), ${clients.id}, ${sessions.currency}`);
}

type Row = Awaited<ReturnType<typeof summaryRows>>[number];

function totalsOf(row: Row & { currency: string }): Totals {
	return {
		currency: row.currency,
		held: row.held,
		billed: Number(row.billed),
		paid: Number(row.paid),
		waived: Number(row.waived),
		outstanding: Number(row.outstanding),
		noShows: row.no_shows,
		noShowCharged: Number(row.no_show_charged),
		lateCancels: row.late_cancels,
		lateCancelCharged: Number(row.late_cancel_charged)
	};
}

function summaryOf(rows: Row[]): Summary {
	const practice: Totals[] = [];
	const byClient = new Map<string, ClientTotals>();
	for (const row of rows) {
		const withCurrency =
			row.currency === null ? null : totalsOf({ ...row, currency: row.currency });
		if (row.is_total) {
			if (withCurrency) practice.push(withCurrency);
			continue;
		}
		const client = byClient.get(row.client_id!) ?? {
			clientId: row.client_id!,
			clientName: row.client_name!,
			totals: []
		};
		byClient.set(client.clientId, client);
		if (withCurrency) client.totals.push(withCurrency);
	}
	return { practice, clients: [...byClient.values()] };
}

/** The practice's figures for a period, per currency, and each client's who had sessions in it. */
export async function practiceSummary(
	db: Db,
	ownerId: string,
	timeZone: string,
	range: Range
): Promise<Summary> {
	return summaryOf(await summaryRows(db, ownerId, timeZone, range));
}

/** One client's figures for a period, per currency. */
export async function clientSummary(
	db: Db,
	ownerId: string,
	timeZone: string,
	input: Range & { clientId: string }
): Promise<ClientTotals> {
	const { clients: found } = summaryOf(
		await summaryRows(db, ownerId, timeZone, input, input.clientId)
	);
	if (!found[0]) throw notFound('client');
	return found[0];
}

export type MonthTotals = { month: string; billed: number; paid: number };
export type Chart = { months: string[]; currencies: { currency: string; months: MonthTotals[] }[] };

/**
 * Billed and paid per month of the last twelve (this one included, in the practitioner's zone),
 * per currency, in one query: each month is its own range on the (owner, start) index. "Paid" is
 * what of the month's billing has been paid, so the two bars of a month compare.
 */
export async function billingChart(db: Db, ownerId: string, timeZone: string): Promise<Chart> {
	const thisMonth = sql`date_trunc('month', now() at time zone ${timeZone})`;
	const rows = await db.execute<{
		month: string;
		currency: string | null;
		billed: string;
		paid: string;
	}>(sql`
		select to_char(m.month, 'YYYY-MM') as month, ${sessions.currency} as currency,
			${feeSum(billable)} as billed,
			${feeSum(sql`${billable} and ${sessions.paymentStatus} = 'paid'`)} as paid
		-- Counted in integers, which the planner knows makes 12 rows (of timestamps it guesses 1000).
		from (select ${thisMonth} - make_interval(months => 11 - i) as month from generate_series(0, 11) as i) as m
		left join ${sessions} on ${sessions.ownerId} = ${ownerId}
			and ${sessions.startsAt} >= m.month at time zone ${timeZone}
			and ${sessions.startsAt} < (m.month + interval '1 month') at time zone ${timeZone}
		group by m.month, ${sessions.currency}
		order by m.month, ${sessions.currency}`);
	const months = [...new Set(rows.map((row) => row.month))];
	const currencies = [
		...new Set(rows.flatMap((row) => (row.currency ? [row.currency] : [])))
	].sort();
	return {
		months,
		currencies: currencies.map((currency) => ({
			currency,
			months: months.map((month) => {
				const row = rows.find((r) => r.month === month && r.currency === currency);
				return { month, billed: Number(row?.billed ?? 0), paid: Number(row?.paid ?? 0) };
			})
		}))
	};
}
