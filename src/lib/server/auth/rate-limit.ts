import { TRPCError } from '@trpc/server';
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db';
import { rateLimits } from '../db/schema';
import { hashSecret } from './tokens';

export type Limit = { name: string; max: number; windowSeconds: number };

export const limits = {
	signInPerIp: { name: 'sign-in:ip', max: 30, windowSeconds: 15 * 60 },
	signInPerEmail: { name: 'sign-in:email', max: 5, windowSeconds: 15 * 60 },
	/** Past signInPerEmail, from an address the account was signed in from (see signIn). */
	signInPerEmailFromKnownIp: { name: 'sign-in:email+known-ip', max: 10, windowSeconds: 15 * 60 },
	signUpPerIp: { name: 'sign-up:ip', max: 20, windowSeconds: 60 * 60 },
	signUpPerEmail: { name: 'sign-up:email', max: 3, windowSeconds: 60 * 60 },
	resetPerIp: { name: 'reset:ip', max: 10, windowSeconds: 60 * 60 },
	resetPerEmail: { name: 'reset:email', max: 3, windowSeconds: 60 * 60 },
	verifyResendPerUser: { name: 'verify-resend:user', max: 3, windowSeconds: 60 * 60 },
	/** Asking for the password again (change of email, deletion) guesses no faster than signing in. */
	passwordAgainPerUser: { name: 'password-again:user', max: 5, windowSeconds: 15 * 60 },
	emailChangePerUser: { name: 'email-change:user', max: 5, windowSeconds: 60 * 60 },
	publicSignupPerIp: { name: 'series-signup:ip', max: 10, windowSeconds: 10 * 60 },
	/** Each download of all the account's data holds a transaction open while it is read. */
	dataExportPerUser: { name: 'data-export:user', max: 5, windowSeconds: 60 * 60 },
	/** Each reading of a calendar file, to preview or to import it, may hold the server 3 s. */
	calendarReadPerUser: { name: 'calendar-read:user', max: 20, windowSeconds: 60 * 60 },
	/** "Try again" on failed Zoom meetings: each press queues a job per failed date. */
	zoomRetryPerUser: { name: 'zoom-retry:user', max: 6, windowSeconds: 60 * 60 }
} satisfies Record<string, Limit>;

/** Carried as the TRPCError's cause so the error formatter can tell the client when to retry. */
export class RateLimited extends Error {
	constructor(readonly retryAfterSeconds: number) {
		super('rate limited');
	}
}

/** The seconds a refusal asks the client to wait, or null when it is no rate limit. */
export function retryAfterSeconds(error: unknown): number | null {
	return error instanceof TRPCError && error.cause instanceof RateLimited
		? error.cause.retryAfterSeconds
		: null;
}

/**
 * RFC 9110's Retry-After for every 429, however the procedures were called (over HTTP, or by a
 * page's form action): the longest wait among the refusals, or no header when none is a limit.
 */
export function retryAfterHeader(errors: unknown[]): Record<string, string> {
	const waits = errors.map(retryAfterSeconds).filter((wait) => wait !== null);
	return waits.length > 0 ? { 'retry-after': String(Math.max(...waits)) } : {};
}

/** Subjects (emails, IPs) are hashed so the counters table holds no personal data. */
function keyFor(limit: Limit, subject: string): string {
	return `${limit.name}:${hashSecret(subject.toLowerCase())}`;
}

function describeWait(seconds: number): string {
	if (seconds < 90) return `${seconds} seconds`;
	return `${Math.ceil(seconds / 60)} minutes`;
}

function tooMany(retryAfterSeconds: number): TRPCError {
	const seconds = Math.max(1, retryAfterSeconds);
	return new TRPCError({
		code: 'TOO_MANY_REQUESTS',
		message: `Too many attempts. Please try again in ${describeWait(seconds)}.`,
		cause: new RateLimited(seconds)
	});
}

/**
 * Counts one hit per subject in a fixed window, all in one statement, atomically, so concurrent
 * requests on any instance cannot slip past the limit. Answers in the subjects' order: null for a
 * hit within the limit, else the TOO_MANY_REQUESTS error to give. A subject that comes n times
 * counts n hits, and only those past the limit are refused.
 */
export async function hitEach(
	db: Db,
	limit: Limit,
	subjects: string[]
): Promise<(TRPCError | null)[]> {
	const keys = subjects.map((subject) => keyFor(limit, subject));
	const counts = new Map<string, number>();
	for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
	// In key order, so that two statements counting overlapping subjects lock rows in the same
	// order and cannot deadlock.
	const rows = [...counts].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, n]) => ({ key, n }));
	const window = sql`make_interval(secs => ${limit.windowSeconds})`;
	const expired = sql`${rateLimits.windowStartedAt} <= now() - ${window}`;
	const counted = await db.execute<{ key: string; hits: number; retryAfter: number }>(sql`
		insert into ${rateLimits} (key, window_started_at, hits)
		select key, now(), n from json_to_recordset(${JSON.stringify(rows)}::json) as t(key text, n int)
		on conflict (key) do update set
			hits = case when ${expired} then excluded.hits else ${rateLimits.hits} + excluded.hits end,
			window_started_at = case when ${expired} then now() else ${rateLimits.windowStartedAt} end
		returning key, hits,
			ceil(extract(epoch from ${rateLimits.windowStartedAt} + ${window} - now()))::int as "retryAfter"`);
	// The hit number each subject's first hit of this statement got.
	const next = new Map(counted.map((row) => [row.key, row.hits - counts.get(row.key)! + 1]));
	const retryAfter = new Map(counted.map((row) => [row.key, row.retryAfter]));
	return keys.map((key) => {
		const number = next.get(key)!;
		next.set(key, number + 1);
		return number > limit.max ? tooMany(retryAfter.get(key)!) : null;
	});
}

/** One hit: throws TOO_MANY_REQUESTS once the window is full. */
export async function hit(db: Db, limit: Limit, subject: string): Promise<void> {
	const [refused] = await hitEach(db, limit, [subject]);
	if (refused) throw refused;
}

export async function clear(db: Db, limit: Limit, subject: string): Promise<void> {
	await db.delete(rateLimits).where(eq(rateLimits.key, keyFor(limit, subject)));
}
