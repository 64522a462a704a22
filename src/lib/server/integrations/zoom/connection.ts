import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Client } from '../../auth/session';
import { recordSecurityEvent } from '../../account/security-log';
import { open, seal, SealedValueRefused } from '../../crypto';
import type { Db } from '../../db';
import { seriesOccurrences, sessions, zoomConnections, type ZoomConnection } from '../../db/schema';
import { publishToUser } from '../../realtime/publish';
import { reportUnexpected } from '../../unexpected';
import {
	currentUser,
	refreshTokens,
	revokeToken,
	zoomConfigured,
	ZoomError,
	type ZoomTokens
} from './client';

/**
 * A practitioner's Zoom connection: its tokens (sealed at rest, `crypto.ts`, with the user id as
 * associated data), their refresh, its health, and its end. Everything that needs a token goes
 * through `withZoomToken`.
 */

/** Why a practitioner's Zoom cannot be used; each is mended only by (re)connecting. */
export type NotConnectedReason = 'not_connected' | 'refresh_refused' | 'unreadable';

const NOT_CONNECTED_WORDS: Record<NotConnectedReason, string> = {
	not_connected: 'Zoom is not connected: connect it in Settings → Integrations.',
	refresh_refused:
		'Zoom no longer accepts Sessionboard’s access to your account: reconnect it in Settings → Integrations.',
	unreadable:
		'The stored Zoom access cannot be read with this server’s keys: reconnect Zoom in Settings → Integrations.'
};

/** The practitioner has no working Zoom connection: only (re)connecting helps. */
export class ZoomNotConnected extends Error {
	constructor(readonly reason: NotConnectedReason = 'not_connected') {
		super(NOT_CONNECTED_WORDS[reason]);
		this.name = 'ZoomNotConnected';
	}
}

/**
 * Open pages of the practitioner load again (the dashboard's health banner, the settings page).
 * Call after the change has committed.
 */
export const announceZoom = (userId: string) =>
	publishToUser(userId, 'practice:changed', { entity: 'zoom', ids: [] });

/** A token this close to expiring is refreshed before use, so it does not die on the way. */
const EARLY_REFRESH_MS = 60_000;

type OpenTokens = { accessToken: string; refreshToken: string; expiresAt: Date };

function openTokens(row: ZoomConnection): OpenTokens {
	try {
		return {
			accessToken: open(row.accessToken, row.userId),
			refreshToken: open(row.refreshToken, row.userId),
			expiresAt: row.accessExpiresAt
		};
	} catch (error) {
		if (error instanceof SealedValueRefused) throw new ZoomNotConnected('unreadable');
		throw error;
	}
}

const sealedTokens = (userId: string, tokens: ZoomTokens) => ({
	accessToken: seal(tokens.accessToken, userId),
	refreshToken: seal(tokens.refreshToken, userId),
	accessExpiresAt: tokens.expiresAt
});

async function connectionOf(db: Db, userId: string): Promise<ZoomConnection | null> {
	const [row] = await db.select().from(zoomConnections).where(eq(zoomConnections.userId, userId));
	return row ?? null;
}

/** A connection that can be used at all: present, and not refused by Zoom. */
function usable(row: ZoomConnection | null | undefined): ZoomConnection {
	if (!row) throw new ZoomNotConnected('not_connected');
	if (row.problem === 'refresh_refused') throw new ZoomNotConnected('refresh_refused');
	return row;
}

/**
 * A fresh access token, refreshed at most once at a time per practitioner across every app
 * instance: Zoom rotates the refresh token, so a second refresh with the same one would be
 * answered invalid_grant and end the connection. The row's lock is held while Zoom is asked;
 * whoever waited on it reads the row again and takes the pair the first one stored.
 * `failedToken` is an access token Zoom refused: refresh unless another caller already replaced it.
 */
async function refreshedAccessToken(db: Db, userId: string, failedToken?: string) {
	const outcome = await db.transaction(async (tx) => {
		const [locked] = await tx
			.select()
			.from(zoomConnections)
			.where(eq(zoomConnections.userId, userId))
			.for('update');
		const row = usable(locked);
		const tokens = openTokens(row);
		const stillGood = failedToken
			? tokens.accessToken !== failedToken
			: tokens.expiresAt.getTime() > Date.now() + EARLY_REFRESH_MS;
		if (stillGood) return { token: tokens.accessToken };
		let fresh: ZoomTokens;
		try {
			fresh = await refreshTokens(tokens.refreshToken);
		} catch (error) {
			if (!(error instanceof ZoomError) || error.kind !== 'invalid_grant') throw error;
			// Kept (committed) so that every caller and page sees it; only reconnecting clears it.
			await tx
				.update(zoomConnections)
				.set({ problem: 'refresh_refused', problemAt: new Date(), updatedAt: new Date() })
				.where(eq(zoomConnections.userId, userId));
			return { refused: true as const };
		}
		await tx
			.update(zoomConnections)
			.set({ ...sealedTokens(userId, fresh), updatedAt: new Date() })
			.where(eq(zoomConnections.userId, userId));
		return { token: fresh.accessToken };
	});
	if ('refused' in outcome) {
		announceZoom(userId);
		throw new ZoomNotConnected('refresh_refused');
	}
	return outcome.token;
}

/**
 * Calls `use` with a valid access token of the practitioner's Zoom, refreshing it first when it
 * expires within a minute. An access token Zoom refuses (revoked early, clock skew) is refreshed
 * once and `use` called again. Throws ZoomNotConnected when only reconnecting can help.
 */
export async function withZoomToken<T>(
	db: Db,
	userId: string,
	use: (accessToken: string) => Promise<T>
): Promise<T> {
	const row = usable(await connectionOf(db, userId));
	const tokens = openTokens(row);
	const token =
		tokens.expiresAt.getTime() > Date.now() + EARLY_REFRESH_MS
			? tokens.accessToken
			: await refreshedAccessToken(db, userId);
	try {
		return await use(token);
	} catch (error) {
		if (!(error instanceof ZoomError) || error.kind !== 'unauthorized') throw error;
		return use(await refreshedAccessToken(db, userId, token));
	}
}

/**
 * Meetings cannot be made or changed (retries spent, or no working token). Returns whether the
 * health changed; the caller announces it after its transaction commits (`announceZoom`).
 * A refused refresh stays the problem shown: it says what to do.
 */
export async function markMeetingsFailing(db: Db, userId: string): Promise<boolean> {
	const changed = await db
		.update(zoomConnections)
		.set({ problem: 'meetings_failing', problemAt: new Date(), updatedAt: new Date() })
		.where(and(eq(zoomConnections.userId, userId), isNull(zoomConnections.problem)))
		.returning({ userId: zoomConnections.userId });
	return changed.length > 0;
}

/** Meetings work again. A refused refresh is cleared only by reconnecting. */
export async function clearProblem(db: Db, userId: string): Promise<boolean> {
	const changed = await db
		.update(zoomConnections)
		.set({ problem: null, problemAt: null, updatedAt: new Date() })
		.where(and(eq(zoomConnections.userId, userId), eq(zoomConnections.problem, 'meetings_failing')))
		.returning({ userId: zoomConnections.userId });
	return changed.length > 0;
}

export type ZoomHealth = {
	configured: boolean;
	connected: boolean;
	problem: 'refresh_refused' | 'meetings_failing' | null;
	/** The stored tokens do not open under TOKEN_KEYS (a key dropped, or altered): reconnect. */
	unreadable: boolean;
	/** Upcoming sessions and series dates whose meeting could not be made. */
	failedCount: number;
};

function tokensReadable(row: ZoomConnection): boolean {
	try {
		openTokens(row);
		return true;
	} catch (error) {
		if (error instanceof ZoomNotConnected) return false;
		throw error;
	}
}

/**
 * The user's sessions and series dates still to come whose meeting could not be made: what the
 * banner counts and what keeps the "meetings failing" problem. A date that failed and then passed
 * is over, and no longer a problem to mend.
 */
export async function upcomingFailedCount(db: Db, userId: string): Promise<number> {
	const failed = (table: typeof sessions | typeof seriesOccurrences) => sql`(
		select count(*) from ${table} where ${table.ownerId} = ${userId}
			and ${table.meetingState} = 'failed' and ${table.endsAt} > now())`;
	const [row] = await db.execute<{ n: number }>(
		sql`select (${failed(sessions)} + ${failed(seriesOccurrences)})::int as n`
	);
	return row!.n;
}

/** What the dashboard's banner and the settings page show about the practitioner's Zoom. */
export async function zoomHealth(db: Db, userId: string): Promise<ZoomHealth> {
	const row = await connectionOf(db, userId);
	const failedCount = await upcomingFailedCount(db, userId);
	return {
		configured: zoomConfigured(),
		connected: row !== null,
		problem: row?.problem ?? null,
		unreadable: row !== null && zoomConfigured() && !tokensReadable(row),
		failedCount
	};
}

/** When the practitioner connected, and whether the connection works, for the settings page. */
export async function zoomConnectionSummary(db: Db, userId: string) {
	const row = await connectionOf(db, userId);
	if (!row) return null;
	return {
		connectedAt: row.connectedAt,
		problem: row.problem,
		problemAt: row.problemAt,
		unreadable: zoomConfigured() && !tokensReadable(row)
	};
}

/**
 * Who the connection belongs to at Zoom, asked now: shown on the settings page and never stored.
 * Null when Zoom could not tell (out of reach, or the connection broken); the page says so.
 */
export async function zoomAccountShown(
	db: Db,
	userId: string
): Promise<{ displayName: string; email: string } | null> {
	try {
		const { displayName, email } = await withZoomToken(db, userId, currentUser);
		return { displayName, email };
	} catch (error) {
		if (error instanceof ZoomNotConnected) return null;
		if (error instanceof ZoomError) {
			reportUnexpected(error, 'Zoom account details');
			return null;
		}
		throw error;
	}
}

/**
 * Keeps the tokens of a (re)connection, sealed. Reconnecting replaces the tokens and the Zoom user
 * (the practitioner may have chosen another Zoom account) and clears any problem.
 */
export async function storeConnection(
	db: Db,
	userId: string,
	zoomUserId: string,
	tokens: ZoomTokens
): Promise<void> {
	const now = new Date();
	const values = {
		zoomUserId,
		...sealedTokens(userId, tokens),
		problem: null,
		problemAt: null,
		connectedAt: now,
		updatedAt: now
	};
	await db
		.insert(zoomConnections)
		.values({ userId, ...values })
		.onConflictDoUpdate({ target: zoomConnections.userId, set: values });
}

/**
 * Ends Zoom's grant (revoking either token revokes it) and forgets the connection at once, also
 * when Zoom cannot be reached or the tokens no longer open: the practitioner asked, and what is
 * kept of the connection is theirs to have removed. A failed revoke is logged under a reference.
 * Returns whether there was a connection, and whether Zoom confirmed the revoke.
 */
export async function revokeAndForget(
	db: Db,
	userId: string
): Promise<{ disconnected: boolean; revoked: boolean }> {
	// Under the row's lock, as a refresh is: one in flight finishes first, and the refresh token
	// revoked is the one it stored, not the one it rotated out (which would leave the new one alive).
	return db.transaction(async (tx) => {
		const [row] = await tx
			.select()
			.from(zoomConnections)
			.where(eq(zoomConnections.userId, userId))
			.for('update');
		if (!row) return { disconnected: false, revoked: false };
		let revoked = false;
		try {
			// Zoom switched off on this server since: there is no client to revoke with.
			if (!zoomConfigured()) throw new ZoomNotConnected('not_connected');
			await revokeToken(openTokens(row).refreshToken);
			revoked = true;
		} catch (error) {
			if (!(error instanceof ZoomError) && !(error instanceof ZoomNotConnected)) throw error;
			reportUnexpected(error, 'Revoking Zoom access');
		}
		await tx.delete(zoomConnections).where(eq(zoomConnections.userId, userId));
		return { disconnected: true, revoked };
	});
}

/** The practitioner disconnects Zoom (Settings → Integrations): `revokeAndForget`, on the record. */
export async function disconnectZoom(db: Db, userId: string, client: Client) {
	const result = await revokeAndForget(db, userId);
	if (result.disconnected) await recordSecurityEvent(db, userId, 'zoom_disconnected', client);
	return result;
}

/**
 * Zoom says the user removed the app (`app_deauthorized`): their grant is gone already, so the
 * connections made with that Zoom user are only forgotten. Returns the practitioners concerned;
 * none when it was done before (Zoom sends a webhook again until it is answered).
 */
export async function forgetZoomUser(db: Db, zoomUserId: string, client: Client) {
	const deleted = await db
		.delete(zoomConnections)
		.where(eq(zoomConnections.zoomUserId, zoomUserId))
		.returning({ userId: zoomConnections.userId });
	const userIds = deleted.map((row) => row.userId);
	for (const userId of userIds) await recordSecurityEvent(db, userId, 'zoom_disconnected', client);
	return userIds;
}
