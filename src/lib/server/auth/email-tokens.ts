import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Db } from '../db';
import { emailTokens } from '../db/schema';
import { issueToken, secretMatches, splitToken } from './tokens';

export type EmailTokenPurpose = (typeof emailTokens.$inferSelect)['purpose'];

export const EMAIL_TOKEN_LIFETIME_MS: Record<EmailTokenPurpose, number> = {
	verify_email: 24 * 60 * 60 * 1000,
	reset_password: 60 * 60 * 1000,
	change_email: 24 * 60 * 60 * 1000
};

/**
 * Issues a new link token; any earlier unused token for the same purpose stops working. A change
 * of email names the address it is for.
 */
export async function createEmailToken(
	db: Db,
	userId: string,
	purpose: EmailTokenPurpose,
	newEmail: string | null = null
): Promise<string> {
	const { id, token, secretHash } = issueToken();
	await db
		.delete(emailTokens)
		.where(and(eq(emailTokens.userId, userId), eq(emailTokens.purpose, purpose)));
	await db.insert(emailTokens).values({
		id,
		userId,
		purpose,
		secretHash,
		newEmail,
		expiresAt: new Date(Date.now() + EMAIL_TOKEN_LIFETIME_MS[purpose])
	});
	return token;
}

/**
 * Marks the token used and returns its user (and the address a change of email is for), or null
 * when it is unknown, expired, already used or meant for something else. The conditional update
 * makes it single-use even under concurrent clicks.
 */
export async function consumeEmailToken(
	db: Db,
	token: string,
	purpose: EmailTokenPurpose
): Promise<{ userId: string; newEmail: string | null } | null> {
	const parts = splitToken(token);
	if (!parts) return null;
	const [row] = await db.select().from(emailTokens).where(eq(emailTokens.id, parts.id));
	if (!row || row.purpose !== purpose || !secretMatches(parts.secret, row.secretHash)) return null;
	const [used] = await db
		.update(emailTokens)
		.set({ usedAt: new Date() })
		.where(
			and(
				eq(emailTokens.id, row.id),
				isNull(emailTokens.usedAt),
				gt(emailTokens.expiresAt, new Date())
			)
		)
		.returning({ userId: emailTokens.userId, newEmail: emailTokens.newEmail });
	return used ?? null;
}
