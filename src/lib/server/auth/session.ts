import { and, eq, ne, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db';
import { perDatabase } from '../db/per-database';
import { authSessions, users, type AuthSession, type User } from '../db/schema';
import { issueToken, secretMatches, splitToken } from './tokens';

export const AUTH_COOKIE = 'sb_auth';
/** The PostgreSQL channel on which every ended sign-in's id is announced to every app instance. */
export const AUTH_SESSION_ENDED = 'auth_session_ended';
const DAY_MS = 24 * 60 * 60 * 1000;
export const AUTH_SESSION_LIFETIME_MS = 30 * DAY_MS;
/** Sliding expiry: a session used in its second half is pushed out to a full 30 days again. */
const RENEW_WITHIN_MS = 15 * DAY_MS;
/** last_seen_at is for the sign-ins list; refreshing it every request would be a write per click. */
const LAST_SEEN_PRECISION_MS = 60 * 1000;

export type Client = { ip: string | null; userAgent: string | null };
export type SessionUser = Pick<
	User,
	| 'id'
	| 'email'
	| 'name'
	| 'emailVerifiedAt'
	| 'timeZone'
	| 'currency'
	| 'locale'
	| 'clock'
	| 'colorScheme'
	| 'dayStartsAt'
	| 'dayEndsAt'
>;
/** `renewed`: the expiry moved, so the browser's cookie must be sent again with the new one. */
export type ValidatedAuthSession = { session: AuthSession; user: SessionUser; renewed: boolean };

export async function createAuthSession(
	db: Db,
	userId: string,
	client: Client
): Promise<{ token: string; session: AuthSession }> {
	const { id, token, secretHash } = issueToken();
	const [session] = await db
		.insert(authSessions)
		.values({
			id,
			userId,
			secretHash,
			expiresAt: new Date(Date.now() + AUTH_SESSION_LIFETIME_MS),
			ip: client.ip,
			userAgent: client.userAgent?.slice(0, 512) ?? null
		})
		.returning();
	return { token, session: session! };
}

function lookupQuery(db: Db) {
	return db
		.select({
			session: authSessions,
			user: {
				id: users.id,
				email: users.email,
				name: users.name,
				emailVerifiedAt: users.emailVerifiedAt,
				timeZone: users.timeZone,
				currency: users.currency,
				locale: users.locale,
				clock: users.clock,
				colorScheme: users.colorScheme,
				dayStartsAt: users.dayStartsAt,
				dayEndsAt: users.dayEndsAt
			}
		})
		.from(authSessions)
		.innerJoin(users, eq(users.id, authSessions.userId))
		.where(eq(authSessions.id, sql.placeholder('id')))
		.prepare('auth_session_lookup');
}

/**
 * The sign-in and its user, by the session id: the one query every signed-in request makes, so
 * it is built once per database handle.
 */
const sessionLookup = perDatabase(lookupQuery);

export async function validateAuthSessionToken(
	db: Db,
	token: string,
	client?: Client
): Promise<ValidatedAuthSession | null> {
	const parts = splitToken(token);
	if (!parts) return null;
	const [row] = await sessionLookup(db).execute({ id: parts.id });
	if (!row || !secretMatches(parts.secret, row.session.secretHash)) return null;

	const { session } = row;
	const now = Date.now();
	if (now >= session.expiresAt.getTime()) {
		await invalidateAuthSession(db, session.id);
		return null;
	}
	const renew = now >= session.expiresAt.getTime() - RENEW_WITHIN_MS;
	const touch = now - session.lastSeenAt.getTime() >= LAST_SEEN_PRECISION_MS;
	if (renew || touch) {
		session.lastSeenAt = new Date(now);
		if (renew) session.expiresAt = new Date(now + AUTH_SESSION_LIFETIME_MS);
		if (client) {
			session.ip = client.ip;
			session.userAgent = client.userAgent?.slice(0, 512) ?? null;
		}
		const [still] = await db
			.update(authSessions)
			.set({
				lastSeenAt: session.lastSeenAt,
				expiresAt: session.expiresAt,
				ip: session.ip,
				userAgent: session.userAgent
			})
			.where(eq(authSessions.id, session.id))
			.returning({ id: authSessions.id });
		// Ended between the lookup and now: its notice went out before this caller (a socket
		// being admitted) could hear it, so it must not be let in.
		if (!still) return null;
	}
	return { session, user: row.user, renewed: renew };
}

/**
 * Deletes the sign-ins that match and announces each on AUTH_SESSION_ENDED, for every app
 * instance to close the sockets opened with them. PostgreSQL delivers a notification when the
 * transaction that sent it commits, and never when it rolls back: inside a transaction the notice
 * follows the commit by itself, and no path that ends a sign-in can forget to send it.
 */
async function endAuthSessions(db: Db, condition: SQL | undefined): Promise<string[]> {
	const ended = await db.execute<{ id: string }>(sql`
		with ended as (delete from ${authSessions} where ${condition} returning ${authSessions.id})
		select id, pg_notify(${AUTH_SESSION_ENDED}, id) from ended`);
	return ended.map((row) => row.id);
}

export async function invalidateAuthSession(db: Db, sessionId: string): Promise<void> {
	await endAuthSessions(db, eq(authSessions.id, sessionId));
}

/** Ends every sign-in of the user except `keepSessionId`; returns the ended ids. */
export async function invalidateOtherAuthSessions(
	db: Db,
	userId: string,
	keepSessionId: string | null
): Promise<string[]> {
	const condition = keepSessionId
		? and(eq(authSessions.userId, userId), ne(authSessions.id, keepSessionId))
		: eq(authSessions.userId, userId);
	return endAuthSessions(db, condition);
}
