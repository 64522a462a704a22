import { TRPCError } from '@trpc/server';
import { and, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { z } from 'zod';
import { percentOfMinor } from '../../money';
import type { Db } from '../db';
import { cancellationPolicies, sessionCharges, sessions, type SessionStatus } from '../db/schema';
import { notFound } from '../practice-errors';
import { percentOf, type policySchema, type setChargeSchema } from './schemas';

export type Policy = Pick<
	typeof cancellationPolicies.$inferSelect,
	'noShowPercent' | 'lateCancelPercent' | 'lateCancelWindowHours'
>;

/** Without a policy of their own, practitioners bill both in full, as before policies existed. */
export const DEFAULT_POLICY: Policy = {
	noShowPercent: 100,
	lateCancelPercent: 100,
	lateCancelWindowHours: 0
};

/** The statuses a policy prices, with the policy's percentage for each. */
const POLICY_PERCENT = {
	no_show: 'noShowPercent',
	late_cancelled: 'lateCancelPercent'
} as const satisfies Partial<Record<SessionStatus, keyof Policy>>;

function isPriced(status: SessionStatus): status is keyof typeof POLICY_PERCENT {
	return status in POLICY_PERCENT;
}

export async function policyOf(db: Db, ownerId: string): Promise<Policy> {
	const [row] = await db
		.select({
			noShowPercent: cancellationPolicies.noShowPercent,
			lateCancelPercent: cancellationPolicies.lateCancelPercent,
			lateCancelWindowHours: cancellationPolicies.lateCancelWindowHours
		})
		.from(cancellationPolicies)
		.where(eq(cancellationPolicies.ownerId, ownerId));
	return row ?? DEFAULT_POLICY;
}

/** Applies to statuses set from now on; sessions already charged keep what they were charged. */
export async function savePolicy(
	db: Db,
	ownerId: string,
	input: z.output<typeof policySchema>
): Promise<Policy> {
	const policy: Policy = {
		noShowPercent: percentOf({ basis: input.noShowBasis, percent: input.noShowPercent }),
		lateCancelPercent: percentOf({
			basis: input.lateCancelBasis,
			percent: input.lateCancelPercent
		}),
		lateCancelWindowHours: input.lateCancelWindowHours
	};
	await db
		.insert(cancellationPolicies)
		.values({ ownerId, ...policy })
		.onConflictDoUpdate({
			target: cancellationPolicies.ownerId,
			set: { ...policy, updatedAt: new Date() }
		});
	return policy;
}

/**
 * Whether cancelling a session at this moment, by the database's clock, is a late cancellation:
 * inside the policy's window of `windowHours` before its start, or past the start. The one rule,
 * by which cancellations are charged and the session page warns before one.
 */
export const cancellingIsLate = (windowHours: SQL | number) =>
	sql<boolean>`(${windowHours}::int > 0 and ${sessions.startsAt} - make_interval(hours => ${windowHours}::int) <= now())`;

/** A session's billing as it stands, locked until the transaction ends. */
function lockedForBilling(db: Db, ownerId: string, where: SQL | undefined, windowHours: number) {
	return db
		.select({
			id: sessions.id,
			status: sessions.status,
			feeMinor: sessions.feeMinor,
			listFeeMinor: sessionCharges.listFeeMinor,
			late: cancellingIsLate(windowHours)
		})
		.from(sessions)
		.leftJoin(sessionCharges, eq(sessionCharges.sessionId, sessions.id))
		.where(and(eq(sessions.ownerId, ownerId), where))
		.for('update', { of: sessions });
}

type Billed = { id: string; status: SessionStatus; feeMinor: number };
type Charge = typeof sessionCharges.$inferInsert;

/** Writes sessions' statuses and fees, and their charges: a few statements however many. */
async function writeBilling(db: Db, billed: Billed[], charges: Charge[], uncharged: string[]) {
	if (billed.length) {
		await db.execute(sql`
			update ${sessions} set status = v.status, fee_minor = v.fee_minor, updated_at = now()
			from jsonb_to_recordset(${JSON.stringify(billed.map((b) => ({ id: b.id, status: b.status, fee_minor: b.feeMinor })))}::jsonb)
				as v(id uuid, status session_status, fee_minor integer)
			where ${sessions.id} = v.id`);
	}
	if (uncharged.length) {
		await db.delete(sessionCharges).where(inArray(sessionCharges.sessionId, uncharged));
	}
	if (charges.length) {
		await db
			.insert(sessionCharges)
			.values(charges)
			.onConflictDoUpdate({
				target: sessionCharges.sessionId,
				set: {
					listFeeMinor: sql`excluded.list_fee_minor`,
					percent: sql`excluded.percent`,
					setForSession: sql`excluded.set_for_session`
				}
			});
	}
}

/**
 * Sets the status of the owner's sessions that `where` selects, and what each is billed: a
 * no-show or a late cancellation is charged by the policy, from the session's full fee, kept aside
 * so that a status set back (scheduled, completed, cancelled) restores it. A cancellation within
 * the policy's late-cancel window is a late cancellation. A session whose status does not change
 * keeps its charge, also one set for it alone. Returns the ids of the sessions selected.
 */
export async function setStatusBilled(
	db: Db,
	ownerId: string,
	where: SQL | undefined,
	requested: SessionStatus
): Promise<string[]> {
	return db.transaction(async (tx) => {
		const policy = await policyOf(tx, ownerId);
		const rows = await lockedForBilling(tx, ownerId, where, policy.lateCancelWindowHours);
		const billed: Billed[] = [];
		const charges: Charge[] = [];
		const uncharged: string[] = [];
		for (const row of rows) {
			const status = requested === 'cancelled' && row.late ? 'late_cancelled' : requested;
			if (status === row.status) continue;
			const listFeeMinor = row.listFeeMinor ?? row.feeMinor;
			if (isPriced(status)) {
				const percent = policy[POLICY_PERCENT[status]];
				billed.push({ id: row.id, status, feeMinor: percentOfMinor(listFeeMinor, percent) });
				charges.push({ sessionId: row.id, listFeeMinor, percent, setForSession: false });
			} else {
				billed.push({ id: row.id, status, feeMinor: listFeeMinor });
				if (row.listFeeMinor !== null) uncharged.push(row.id);
			}
		}
		await writeBilling(tx, billed, charges, uncharged);
		return rows.map((row) => row.id);
	});
}

/** A no-show's or late cancellation's charge chosen for this session alone. */
export async function setSessionCharge(
	db: Db,
	ownerId: string,
	input: z.output<typeof setChargeSchema>
): Promise<{ id: string; feeMinor: number }> {
	return db.transaction(async (tx) => {
		const [row] = await lockedForBilling(tx, ownerId, eq(sessions.id, input.id), 0);
		if (!row) throw notFound('session');
		if (!isPriced(row.status)) {
			throw new TRPCError({
				code: 'BAD_REQUEST',
				message: 'Only a no-show or a late cancellation has a charge to change.'
			});
		}
		const listFeeMinor = row.listFeeMinor ?? row.feeMinor;
		const percent = percentOf(input);
		const feeMinor = percentOfMinor(listFeeMinor, percent);
		await writeBilling(
			tx,
			[{ id: row.id, status: row.status, feeMinor }],
			[{ sessionId: row.id, listFeeMinor, percent, setForSession: true }],
			[]
		);
		return { id: row.id, feeMinor };
	});
}

/**
 * What a session of the owner is billed when its full fee becomes `listFeeMinor` (the edit
 * form): a charged session keeps its percentage of the new fee. Call in the transaction that
 * writes the fee.
 */
export async function billedForFee(
	db: Db,
	ownerId: string,
	sessionId: string,
	listFeeMinor: number
): Promise<number> {
	const [charge] = await db
		.update(sessionCharges)
		.set({ listFeeMinor })
		.where(
			and(
				eq(sessionCharges.sessionId, sessionId),
				inArray(
					sessionCharges.sessionId,
					db
						.select({ id: sessions.id })
						.from(sessions)
						.where(and(eq(sessions.id, sessionId), eq(sessions.ownerId, ownerId)))
				)
			)
		)
		.returning({ percent: sessionCharges.percent });
	return charge ? percentOfMinor(listFeeMinor, charge.percent) : listFeeMinor;
}
