import { desc, eq } from 'drizzle-orm';
import type { Db } from '../db';
import { securityEvents, type SecurityEvent } from '../db/schema';
import type { Client } from '../auth/session';

export type SecurityEventKind = SecurityEvent['kind'];

export async function recordSecurityEvent(
	db: Db,
	userId: string,
	kind: SecurityEventKind,
	client: Client
): Promise<void> {
	await db.insert(securityEvents).values({
		userId,
		kind,
		ip: client.ip,
		userAgent: client.userAgent?.slice(0, 512) ?? null
	});
}

export function listSecurityEvents(db: Db, userId: string, limit = 100) {
	return db
		.select({
			id: securityEvents.id,
			kind: securityEvents.kind,
			ip: securityEvents.ip,
			userAgent: securityEvents.userAgent,
			createdAt: securityEvents.createdAt
		})
		.from(securityEvents)
		.where(eq(securityEvents.userId, userId))
		.orderBy(desc(securityEvents.createdAt))
		.limit(limit);
}
