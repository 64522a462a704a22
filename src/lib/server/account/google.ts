import { TRPCError } from '@trpc/server';
import { and, eq, lt, sql } from 'drizzle-orm';
import type { z } from 'zod';
import { googleNotices } from '../../google-notices';
import type { GoogleProfile } from '../auth/google';
import { googleConfigured, PENDING_LIFETIME_SECONDS } from '../auth/google';
import { hashPassword } from '../auth/password';
import { hit, limits } from '../auth/rate-limit';
import type { Client } from '../auth/session';
import { hashSecret, issueToken, splitToken } from '../auth/tokens';
import type { Db } from '../db';
import { googleIdentities, googlePendingSignIns, users, type User } from '../db/schema';
import { queueEmail } from '../email/deliveries';
import { googleUnlinkedMessage, passwordAddedMessage } from '../email/templates';
import { pgErrorCode, UNIQUE_VIOLATION } from '../pg-errors';
import { copyPicture } from './picture';
import type { addPasswordSchema, googleSignUpSchema } from './schemas';
import { recordSecurityEvent } from './security-log';
import { findUserByEmail, links, signInAs, type NewAuthSession } from './service';

export type GoogleSignInOutcome =
	| { kind: 'signed-in'; session: NewAuthSession }
	/** An account has this email: its password must be given before Google is linked to it. */
	| { kind: 'password-needed'; pendingToken: string; email: string }
	/** No account yet: the person confirms their age, then one is made. */
	| { kind: 'new-account'; pendingToken: string };

/** Keeps who Google said signed in for the next step; only the secret's hash is stored. */
async function holdPending(db: Db, profile: GoogleProfile): Promise<string> {
	// Expired ones go as new ones come: the table stays as small as the sign-ins under way.
	await db.delete(googlePendingSignIns).where(lt(googlePendingSignIns.expiresAt, new Date()));
	const { id, token, secretHash } = issueToken();
	await db.insert(googlePendingSignIns).values({
		id,
		secretHash,
		subject: profile.subject,
		email: profile.email,
		emailVerified: profile.emailVerified,
		name: profile.name,
		pictureUrl: profile.pictureUrl,
		expiresAt: new Date(Date.now() + PENDING_LIFETIME_SECONDS * 1000)
	});
	return token;
}

/**
 * The pending sign-in of `token`, while it lasts; `consume` deletes it in the same statement.
 * The secret is part of the condition: knowing the id alone deletes nothing. (Compared as hashes,
 * so the comparison's time tells nothing of the secret.)
 */
export async function pendingSignIn(db: Db, token: string | undefined, consume = false) {
	const parts = token ? splitToken(token) : null;
	if (!parts) return null;
	const where = and(
		eq(googlePendingSignIns.id, parts.id),
		eq(googlePendingSignIns.secretHash, hashSecret(parts.secret)),
		sql`${googlePendingSignIns.expiresAt} > now()`
	);
	const [row] = consume
		? await db.delete(googlePendingSignIns).where(where).returning()
		: await db.select().from(googlePendingSignIns).where(where);
	return row ?? null;
}

/**
 * Someone came back from Google. A Google account already linked signs in to its account; an
 * email that already has an account is never linked on Google's word alone (an address Google has
 * not verified, or one at a provider that hands addresses out again, would take the account over):
 * its password must be given first.
 */
export async function signInWithGoogle(
	db: Db,
	profile: GoogleProfile,
	client: Client
): Promise<GoogleSignInOutcome> {
	// Counted like the password form's sign-ins: each one makes a pending row or a session.
	await hit(db, limits.signInPerIp, client.ip ?? 'unknown');
	const [identity] = await db
		.select({ userId: googleIdentities.userId })
		.from(googleIdentities)
		.where(eq(googleIdentities.subject, profile.subject));
	if (identity) {
		await recordSecurityEvent(db, identity.userId, 'sign_in', client);
		await copyPicture(db, identity.userId, profile.pictureUrl);
		return { kind: 'signed-in', session: await signInAs(db, identity.userId, client) };
	}
	const pendingToken = await holdPending(db, profile);
	const existing = await findUserByEmail(db, profile.email);
	return existing
		? { kind: 'password-needed', pendingToken, email: profile.email }
		: { kind: 'new-account', pendingToken };
}

/** Carried as the TRPCError's cause, for the callback to say which notice to show. */
export class GoogleLinkRefused extends Error {
	constructor(readonly reason: 'linked-elsewhere' | 'other-linked' | 'unconfirmed') {
		super(googleNotices[reason].text);
	}
}

function linkRefused(reason: GoogleLinkRefused['reason']): TRPCError {
	const cause = new GoogleLinkRefused(reason);
	return new TRPCError({ code: 'CONFLICT', message: cause.message, cause });
}

/**
 * Links the Google account to the user. Safe to repeat for the same pair; refused when either
 * side is linked to another.
 */
async function link(db: Db, userId: string, subject: string, client: Client): Promise<void> {
	try {
		const [linked] = await db
			.insert(googleIdentities)
			.values({ userId, subject })
			.onConflictDoNothing({ target: googleIdentities.userId })
			.returning();
		if (linked) {
			await recordSecurityEvent(db, userId, 'google_linked', client);
			return;
		}
	} catch (error) {
		if (pgErrorCode(error) === UNIQUE_VIOLATION) {
			throw linkRefused('linked-elsewhere');
		}
		throw error;
	}
	const [current] = await db
		.select({ subject: googleIdentities.subject })
		.from(googleIdentities)
		.where(eq(googleIdentities.userId, userId));
	if (current?.subject !== subject) {
		throw linkRefused('other-linked');
	}
}

/**
 * Settings → Link Google: the signed-in person came back from Google with the account to link.
 * Only to an account whose address is proven: until then whoever signed it up may not own the
 * address, and a Google account of theirs would outlive the owner taking it back.
 */
export async function linkGoogle(
	db: Db,
	userId: string,
	profile: GoogleProfile,
	client: Client
): Promise<void> {
	const [user] = await db
		.select({ emailVerifiedAt: users.emailVerifiedAt })
		.from(users)
		.where(eq(users.id, userId));
	if (!user?.emailVerifiedAt) throw linkRefused('unconfirmed');
	await link(db, userId, profile.subject, client);
	await copyPicture(db, userId, profile.pictureUrl);
}

/**
 * After a password sign-in that began with Google: links the pending Google account, only to an
 * account of the same email (the person proved its password; Google said the address is theirs).
 * The pending sign-in is used up either way. Returns whether it linked.
 */
export async function linkPendingAfterPassword(
	db: Db,
	user: Pick<User, 'id' | 'email'>,
	pendingToken: string,
	client: Client
): Promise<boolean> {
	const pending = await pendingSignIn(db, pendingToken, true);
	if (!pending?.emailVerified || pending.email !== user.email.toLowerCase()) return false;
	try {
		await link(db, user.id, pending.subject, client);
	} catch (error) {
		// Linked elsewhere meanwhile: the password sign-in itself stands.
		if (error instanceof TRPCError) return false;
		throw error;
	}
	await copyPicture(db, user.id, pending.pictureUrl);
	return true;
}

const EMAIL_HAS_ACCOUNT = googleNotices.link.text;
const PENDING_GONE = 'This sign-in with Google has expired. Please start again.';

/** What the age step shows: whose account would be made. */
export async function pendingNewAccount(db: Db, pendingToken: string | undefined) {
	const pending = await pendingSignIn(db, pendingToken);
	return pending ? { name: pending.name, email: pending.email } : null;
}

/**
 * Makes the account of a new Google user once they confirmed their age, and signs them in. Its
 * email counts as confirmed: Google verified it (finishGoogleSignIn refuses any other).
 */
export async function signUpWithGoogle(
	db: Db,
	input: z.output<typeof googleSignUpSchema>,
	client: Client
): Promise<NewAuthSession> {
	// Counted with the password form's sign-ups: either way is one more account from this address.
	await hit(db, limits.signUpPerIp, client.ip ?? 'unknown');
	const created = await db.transaction(async (tx) => {
		const pending = await pendingSignIn(tx, input.pending, true);
		// One held before unverified addresses were refused at the callback is refused here.
		if (!pending?.emailVerified) {
			throw new TRPCError({ code: 'BAD_REQUEST', message: PENDING_GONE });
		}
		const [user] = await tx
			.insert(users)
			.values({
				email: pending.email,
				name: pending.name,
				passwordHash: null,
				emailVerifiedAt: new Date(),
				timeZone: input.timeZone || 'UTC',
				ageConfirmedAt: new Date()
			})
			.onConflictDoNothing()
			.returning();
		// Someone signed up with this email meanwhile: theirs to link, with its password.
		if (!user) throw new TRPCError({ code: 'CONFLICT', message: EMAIL_HAS_ACCOUNT });
		await tx.insert(googleIdentities).values({ userId: user.id, subject: pending.subject });
		await recordSecurityEvent(tx, user.id, 'sign_up', client);
		await recordSecurityEvent(tx, user.id, 'google_linked', client);
		return { user, pictureUrl: pending.pictureUrl };
	});
	const { user, pictureUrl } = created;
	await copyPicture(db, user.id, pictureUrl);
	return signInAs(db, user.id, client);
}

export async function googleStatus(db: Db, userId: string) {
	const [row] = await db
		.select({
			hasPassword: sql<boolean>`${users.passwordHash} is not null`,
			emailConfirmed: sql<boolean>`${users.emailVerifiedAt} is not null`,
			subject: googleIdentities.subject
		})
		.from(users)
		.leftJoin(googleIdentities, eq(googleIdentities.userId, users.id))
		.where(eq(users.id, userId));
	return {
		configured: googleConfigured(),
		linked: Boolean(row?.subject),
		hasPassword: Boolean(row?.hasPassword),
		emailConfirmed: Boolean(row?.emailConfirmed)
	};
}

/** Unlinking leaves the account a way in: its password. */
export async function unlinkGoogle(
	db: Db,
	userId: string,
	client: Client,
	origin: string
): Promise<void> {
	await db.transaction(async (tx) => {
		const [user] = await tx
			.select({ passwordHash: users.passwordHash, email: users.email, name: users.name })
			.from(users)
			.where(eq(users.id, userId))
			.for('update');
		if (!user?.passwordHash) {
			throw new TRPCError({
				code: 'PRECONDITION_FAILED',
				message: 'Add a password first: until then Google is your only way to sign in.'
			});
		}
		const removed = await tx
			.delete(googleIdentities)
			.where(eq(googleIdentities.userId, userId))
			.returning();
		if (removed.length === 0) return;
		await recordSecurityEvent(tx, userId, 'google_unlinked', client);
		// Told by email: a way into the account went, perhaps not by its owner.
		await queueEmail(tx, {
			key: `google-unlinked:${userId}:${removed[0]!.linkedAt.getTime()}`,
			purpose: 'google-unlinked',
			email: googleUnlinkedMessage(user.email, user.name, links.forgot(origin))
		});
	});
}

/** A Google-only account gets a password; one that has a password changes it instead. */
export async function addPassword(
	db: Db,
	userId: string,
	input: z.output<typeof addPasswordSchema>,
	client: Client,
	origin: string
): Promise<void> {
	const passwordHash = await hashPassword(input.newPassword);
	await db.transaction(async (tx) => {
		const [updated] = await tx
			.update(users)
			.set({ passwordHash, updatedAt: new Date() })
			.where(and(eq(users.id, userId), sql`${users.passwordHash} is null`))
			.returning({ email: users.email, name: users.name, updatedAt: users.updatedAt });
		if (!updated) {
			throw new TRPCError({
				code: 'CONFLICT',
				message: 'Your account already has a password: change it below.'
			});
		}
		await recordSecurityEvent(tx, userId, 'password_added', client);
		// Told by email, as a changed password is: a new way into the account.
		await queueEmail(tx, {
			key: `password-added:${userId}:${updated.updatedAt.getTime()}`,
			purpose: 'password-added',
			email: passwordAddedMessage(updated.email, updated.name, links.forgot(origin))
		});
	});
}
