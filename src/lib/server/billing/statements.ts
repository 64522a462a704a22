import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { z } from 'zod';
import { feeSum } from './fee-sum';
import { daysIn } from './periods';
import type { SessionUser } from '../auth/session';
import type { Db } from '../db';
import { clients, sessions } from '../db/schema';
import { withinLocalDays } from '../local-days';
import { getPracticeDetails } from '../practice/service';
import { notFound } from '../practice-errors';
import { BILLABLE } from '../sessions/service';
import type { statementSchema } from './statement-schemas';

export type StatementInput = z.output<typeof statementSchema>;

/**
 * A client's statement for a period of days in the practitioner's time zone: the sessions held
 * in it, the payments received in it, and per currency what was owed before it, billed, waived,
 * paid, and owed at its end. A session belongs to the day it began on in the practitioner's zone.
 * A payment is a session marked paid, dated by its paid date, whichever day the session was.
 */
export async function clientStatement(
	db: Db,
	practitioner: Pick<SessionUser, 'id' | 'name' | 'timeZone' | 'locale' | 'clock'>,
	input: StatementInput
) {
	const ownerId = practitioner.id;
	const { timeZone } = practitioner;
	const inPeriod = withinLocalDays(sessions.startsAt, timeZone, input.from, daysIn(input));
	const beforePeriod = sql`${sessions.startsAt} < (${input.from}::date)::timestamp at time zone ${timeZone}`;
	const paidInPeriod = sql`${sessions.paidOn} between ${input.from}::date and ${input.to}::date`;
	const billable = inArray(sessions.status, BILLABLE);
	const ofClient = and(eq(sessions.ownerId, ownerId), eq(sessions.clientId, input.clientId));

	const [[client], practice, rows, totals] = await Promise.all([
		db
			.select({ id: clients.id, name: clients.name, email: clients.email })
			.from(clients)
			.where(and(eq(clients.id, input.clientId), eq(clients.ownerId, ownerId))),
		getPracticeDetails(db, ownerId),
		db
			.select({
				id: sessions.id,
				startsAt: sessions.startsAt,
				endsAt: sessions.endsAt,
				status: sessions.status,
				paymentStatus: sessions.paymentStatus,
				paidOn: sessions.paidOn,
				feeMinor: sessions.feeMinor,
				billedMinor: sql<number>`case when ${billable} then ${sessions.feeMinor} else 0 end`,
				currency: sessions.currency,
				inPeriod: sql<boolean>`(${inPeriod})`,
				paidInPeriod: sql<boolean>`coalesce(${paidInPeriod}, false)`
			})
			.from(sessions)
			.where(and(ofClient, sql`(${inPeriod} or ${paidInPeriod})`))
			.orderBy(asc(sessions.startsAt)),
		db
			.select({
				currency: sessions.currency,
				opening:
					sql<number>`(${feeSum(sql`${billable} and ${beforePeriod} and ${sessions.paymentStatus} <> 'waived'`)} - ${feeSum(sql`${sessions.paidOn} < ${input.from}::date`)})`.mapWith(
						Number
					),
				billed: feeSum(sql`${billable} and ${inPeriod}`),
				waived: feeSum(sql`${billable} and ${inPeriod} and ${sessions.paymentStatus} = 'waived'`),
				paid: feeSum(paidInPeriod)
			})
			.from(sessions)
			.where(
				and(
					ofClient,
					sql`(${sessions.startsAt} < (${input.to}::date + 1)::timestamp at time zone ${timeZone} or ${sessions.paidOn} <= ${input.to}::date)`
				)
			)
			.groupBy(sessions.currency)
			.orderBy(sessions.currency)
	]);
	if (!client) throw notFound('client');

	return {
		client,
		practice: { ...practice, name: practice.name || practitioner.name },
		from: input.from,
		to: input.to,
		prefs: { locale: practitioner.locale, clock: practitioner.clock, timeZone },
		sessions: rows.filter((row) => row.inPeriod),
		payments: rows
			.filter((row) => row.paidInPeriod)
			.sort((a, b) => (a.paidOn! < b.paidOn! ? -1 : a.paidOn! > b.paidOn! ? 1 : 0)),
		totals: totals
			.map((row) => ({ ...row, closing: row.opening + row.billed - row.waived - row.paid }))
			.filter(
				(row) =>
					row.opening !== 0 ||
					row.closing !== 0 ||
					rows.some((session) => session.currency === row.currency)
			)
	};
}

export type Statement = Awaited<ReturnType<typeof clientStatement>>;
