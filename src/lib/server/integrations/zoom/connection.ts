import { and, eq, isNull } from 'drizzle-orm';
import { open } from '../../crypto';
import type { Db } from '../../db';
import { zoomConnections } from '../../db/schema';

/**
 * STAND-IN for zoomconnect's connection.ts (same names and signatures, no token refresh): the
 * meetings code is written against this contract. The lead takes zoomconnect's version over this.
 */

/** The practitioner has no working Zoom connection: only (re)connecting helps. */
export class ZoomNotConnected extends Error {
	constructor() {
		super('Zoom is not connected: reconnect it in Settings → Integrations.');
		this.name = 'ZoomNotConnected';
	}
}

export async function withZoomToken<T>(
	db: Db,
	userId: string,
	use: (accessToken: string) => Promise<T>
): Promise<T> {
	const [row] = await db.select().from(zoomConnections).where(eq(zoomConnections.userId, userId));
	if (!row || row.problem === 'refresh_refused') throw new ZoomNotConnected();
	return use(open(row.accessToken, userId));
}

export async function markMeetingsFailing(db: Db, userId: string): Promise<boolean> {
	const changed = await db
		.update(zoomConnections)
		.set({ problem: 'meetings_failing', problemAt: new Date(), updatedAt: new Date() })
		.where(and(eq(zoomConnections.userId, userId), isNull(zoomConnections.problem)))
		.returning({ userId: zoomConnections.userId });
	return changed.length > 0;
}

export async function clearProblem(db: Db, userId: string): Promise<boolean> {
	const changed = await db
		.update(zoomConnections)
		.set({ problem: null, problemAt: null, updatedAt: new Date() })
		.where(and(eq(zoomConnections.userId, userId), eq(zoomConnections.problem, 'meetings_failing')))
		.returning({ userId: zoomConnections.userId });
	return changed.length > 0;
}
