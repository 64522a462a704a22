import { TRPCError } from '@trpc/server';
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db';
import { rateLimits } from '../db/schema';
import { hashSecret } from './tokens';

export type Limit = { name: string; max: number; windowSeconds: number };

export const limits = {
	signInPerIp: { name: 'sign-in:ip', max: 30, windowSeconds: 15 * 60 },
	signInPerEmail: { name: 'sign-in:email', max: 5, windowSeconds: 15 * 60 },
	signUpPerIp: { name: 'sign-up:ip', max: 20, windowSeconds: 60 * 60 },
	signUpPerEmail: { name: 'sign-up:email', max: 3, windowSeconds: 60 * 60 },
	resetPerIp: { name: 'reset:ip', max: 10, windowSeconds: 60 * 60 },
	resetPerEmail: { name: 'reset:email', max: 3, windowSeconds: 60 * 60 },
	verifyResendPerUser: { name: 'verify-resend:user', max: 3, windowSeconds: 60 * 60 },
	publicSignupPerIp: { name: 'series-signup:ip', max: 10, windowSeconds: 10 * 60 }
} satisfies Record<string, Limit>;

/** Carried as the TRPCError's cause so the error formatter can tell the client when to retry. */
export class RateLimited extends Error {
	constructor(readonly retryAfterSeconds: number) {
		super('rate limited');
	}
}

/** Subjects (emails, IPs) are hashed so the counters table holds no personal data. */
function keyFor(limit: Limit, subject: string): string {
	return `${limit.name}:${hashSecret(subject.toLowerCase())}`;
}

function describeWait(seconds: number): string {
	if (seconds < 90) return `${seconds} seconds`;
	return `${Math.ceil(seconds / 60)} minutes`;
}

/**
 * Counts one hit in a fixed window, atomically in one statement so concurrent requests on any
 * instance cannot slip past the limit. Throws TOO_MANY_REQUESTS once the window is full.
 */
export async function hit(db: Db, limit: Limit, subject: string): Promise<void> {
	const window = sql`make_interval(secs => ${limit.windowSeconds})`;
	const expired = sql`${rateLimits.windowStartedAt} <= now() - ${window}`;
	const [row] = await db
		.insert(rateLimits)
		.values({ key: keyFor(limit, subject), windowStartedAt: sql`now()`, hits: 1 })
		.onConflictDoUpdate({
			target: rateLimits.key,
			set: {
				hits: sql`case when ${expired} then 1 else ${rateLimits.hits} + 1 end`,
				windowStartedAt: sql`case when ${expired} then now() else ${rateLimits.windowStartedAt} end`
			}
		})
		.returning({
			hits: rateLimits.hits,
			retryAfter: sql<number>`ceil(extract(epoch from ${rateLimits.windowStartedAt} + ${window} - now()))::int`
		});
	if (row && row.hits > limit.max) {
		const retryAfterSeconds = Math.max(1, row.retryAfter);
		throw new TRPCError({
			code: 'TOO_MANY_REQUESTS',
			message: `Too many attempts. Please try again in ${describeWait(retryAfterSeconds)}.`,
			cause: new RateLimited(retryAfterSeconds)
		});
	}
}

export async function clear(db: Db, limit: Limit, subject: string): Promise<void> {
	await db.delete(rateLimits).where(eq(rateLimits.key, keyFor(limit, subject)));
}
