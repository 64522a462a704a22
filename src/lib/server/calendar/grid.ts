import { TRPCError } from '@trpc/server';
import { sql } from 'drizzle-orm';
import type { z } from 'zod';
import { fromMinorUnits } from '../../money';
import type { Db } from '../db';
import { getSession, practiceBetween, updateSession } from '../sessions/service';
import type { moveSchema, rangeSchema } from './grid-schemas';

/** Sessions and group dates of the view's local days, in the practitioner's zone. */
export function range(
	db: Db,
	ownerId: string,
	timeZone: string,
	input: z.output<typeof rangeSchema>
) {
	return practiceBetween(db, ownerId, timeZone, input.from, input.days);
}

function refused(message: string): TRPCError {
	return new TRPCError({ code: 'BAD_REQUEST', message });
}

/**
 * Moves a one-to-one session to a new start in the practitioner's zone, keeping its length and
 * everything else: the same update the reschedule form makes, so the overlap rule applies under
 * the same lock. Only a session still to come moves (checked on the row as it is updated), and
 * only to a time still to come.
 */
export async function moveSession(
	db: Db,
	owner: { id: string; timeZone: string },
	input: z.output<typeof moveSchema>
) {
	const session = await getSession(db, owner.id, input.id);
	// Placed in the practitioner's zone; the session keeps its own zone, at the same instant.
	const [target] = await db.execute<{ past: boolean; date: string; time: string }>(sql`
		select starts_at <= now() as past,
			to_char(starts_at at time zone ${session.timeZone}, 'YYYY-MM-DD') as date,
			to_char(starts_at at time zone ${session.timeZone}, 'HH24:MI') as time
		from (select (${input.date}::date + ${input.startTime}::time) at time zone ${owner.timeZone}
			as starts_at) target`);
	if (target!.past) throw refused('Choose a time that is still to come.');
	return updateSession(
		db,
		owner.id,
		{
			id: session.id,
			clientId: session.clientId,
			date: target!.date,
			startTime: target!.time,
			durationMinutes: Math.round((session.endsAt.getTime() - session.startsAt.getTime()) / 60_000),
			timeZone: session.timeZone,
			locationKind: session.locationKind,
			locationDetail: session.locationDetail,
			// The full fee, as the reschedule form sends it.
			fee: fromMinorUnits(session.charge?.listFeeMinor ?? session.feeMinor, session.currency),
			currency: session.currency
		},
		{ stillToCome: true }
	);
}
