import { TRPCError } from '@trpc/server';
import { and, desc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { z } from 'zod';
import { consumeEmailToken, createEmailToken } from '../auth/email-tokens';
import { hashPassword, verifyAgainstNothing, verifyPassword } from '../auth/password';
import { clear, hit, hitEach, limits } from '../auth/rate-limit';
import {
	createAuthSession,
	invalidateAuthSession,
	invalidateOtherAuthSessions,
	type Client
} from '../auth/session';
import { splitToken } from '../auth/tokens';
import type { Db } from '../db';
import {
	authSessions,
	googleIdentities,
	securityEvents,
	userPictures,
	users,
	type User
} from '../db/schema';
import { queueEmail } from '../email/deliveries';
import { enqueueJob, QUEUES, type PasswordResetJob } from '../jobs/queues';
import {
	alreadyRegisteredMessage,
	confirmEmailChangeMessage,
	emailChangedMessage,
	emailChangeToTakenMessage,
	passwordChangedMessage,
	resetPasswordMessage,
	verifyEmailMessage
} from '../email/templates';
import { pgErrorCode, UNIQUE_VIOLATION } from '../pg-errors';
import { fieldError } from '../trpc/errors';
import { linkPendingAfterPassword } from './google';
import { recordSecurityEvent } from './security-log';
import type {
	changePasswordSchema,
	profileSchema,
	appearanceSchema,
	publicPictureSchema,
	requestEmailChangeSchema,
	requestResetSchema,
	resetPasswordSchema,
	signInLinkingSchema,
	signUpSchema
} from './schemas';

export type Links = { origin: string };
export type NewAuthSession = { token: string; expiresAt: Date; sessionId: string };

export const links = {
	verify: (origin: string, token: string) =>
		`${origin}/verify-email?token=${encodeURIComponent(token)}`,
	reset: (origin: string, token: string) =>
		`${origin}/reset-password?token=${encodeURIComponent(token)}`,
	changeEmail: (origin: string, token: string) =>
		`${origin}/confirm-email?token=${encodeURIComponent(token)}`,
	forgot: (origin: string) => `${origin}/forgot-password`,
	signIn: (origin: string) => `${origin}/sign-in`
};

export async function findUserByEmail(db: Db, email: string): Promise<User | undefined> {
	const [user] = await db
		.select()
		.from(users)
		.where(eq(sql`lower(${users.email})`, email.toLowerCase()));
	return user;
}

/**
 * The id half of an emailed token keys its email: one link, one email. Every key of an email about
 * an account names the account too, so that deleting the account finds them all.
 */
const tokenId = (token: string) => splitToken(token)!.id;

/** Issues a confirmation link and queues its email, together: no link without its email. */
export async function queueVerification(
	db: Db,
	user: Pick<User, 'id' | 'email' | 'name'>,
	origin: string
): Promise<void> {
	await db.transaction(async (tx) => {
		const token = await createEmailToken(tx, user.id, 'verify_email');
		await queueEmail(tx, {
			key: `verify-email:${user.id}:${tokenId(token)}`,
			purpose: 'verify-email',
			email: verifyEmailMessage(user.email, user.name, links.verify(origin, token))
		});
	});
}

async function queuePasswordChanged(
	db: Db,
	user: Pick<User, 'id' | 'email' | 'name'>,
	changedAt: Date,
	origin: string
): Promise<void> {
	await queueEmail(db, {
		key: `password-changed:${user.id}:${changedAt.getTime()}`,
		purpose: 'password-changed',
		email: passwordChangedMessage(user.email, user.name, links.forgot(origin))
	});
}

/**
 * The address of an account is proven for the first time (its link followed, or taken over):
 * a Google account linked before came with the unproven address, maybe someone else's, and goes
 * with it, picture and all, or it would keep a way into the account of the address's owner.
 */
async function forgetUnprovenGoogle(tx: Db, userId: string): Promise<void> {
	await tx.delete(googleIdentities).where(eq(googleIdentities.userId, userId));
	await tx.delete(userPictures).where(eq(userPictures.userId, userId));
}

/** Locks the account's row for the transaction: whether its address was proven before now. */
async function wasProven(tx: Db, userId: string): Promise<boolean> {
	const [user] = await tx
		.select({ emailVerifiedAt: users.emailVerifiedAt })
		.from(users)
		.where(eq(users.id, userId))
		.for('update');
	return Boolean(user?.emailVerifiedAt);
}

export async function signInAs(db: Db, userId: string, client: Client): Promise<NewAuthSession> {
	const { token, session } = await createAuthSession(db, userId, client);
	return { token, expiresAt: session.expiresAt, sessionId: session.id };
}

/**
 * Answers the same way whether or not the email has an account: a new address gets a confirmation
 * link; a confirmed one gets a notice that someone tried; an unconfirmed one is taken over by this
 * sign-up, since its earlier owner never proved the address was theirs.
 */
export async function signUp(
	db: Db,
	input: z.output<typeof signUpSchema>,
	client: Client,
	origin: string
): Promise<void> {
	await hit(db, limits.signUpPerIp, client.ip ?? 'unknown');
	await hit(db, limits.signUpPerEmail, input.email);
	const passwordHash = await hashPassword(input.password);
	const timeZone = input.timeZone || 'UTC';

	const outcome = await db.transaction(async (tx) => {
		const [created] = await tx
			.insert(users)
			.values({
				email: input.email,
				name: input.name,
				passwordHash,
				timeZone,
				ageConfirmedAt: new Date()
			})
			.onConflictDoNothing()
			.returning();
		if (created) {
			await recordSecurityEvent(tx, created.id, 'sign_up', client);
			return { kind: 'verify' as const, user: created };
		}
		const existing = (await findUserByEmail(tx, input.email))!;
		if (existing.emailVerifiedAt) return { kind: 'notice' as const, user: existing };
		const [replaced] = await tx
			.update(users)
			.set({
				name: input.name,
				passwordHash,
				timeZone,
				ageConfirmedAt: new Date(),
				updatedAt: new Date()
			})
			.where(eq(users.id, existing.id))
			.returning();
		await invalidateOtherAuthSessions(tx, existing.id, null);
		await forgetUnprovenGoogle(tx, existing.id);
		return { kind: 'verify' as const, user: replaced! };
	});

	if (outcome.kind === 'notice') {
		// At most one a day per account, however often someone tries its address.
		await queueEmail(db, {
			key: `already-registered:${outcome.user.id}:${new Date().toISOString().slice(0, 10)}`,
			purpose: 'already-registered',
			email: alreadyRegisteredMessage(
				outcome.user.email,
				outcome.user.name,
				links.signIn(origin),
				links.forgot(origin)
			)
		});
		return;
	}
	await queueVerification(db, outcome.user, origin);
}

/** Confirms the address and signs the person in on this browser. */
export async function verifyEmail(db: Db, token: string, client: Client): Promise<NewAuthSession> {
	return db.transaction(async (tx) => {
		const userId = (await consumeEmailToken(tx, token, 'verify_email'))?.userId;
		if (!userId) {
			throw new TRPCError({
				code: 'BAD_REQUEST',
				message:
					'This confirmation link is invalid, already used or expired. Sign in to get a new one.'
			});
		}
		if (!(await wasProven(tx, userId))) await forgetUnprovenGoogle(tx, userId);
		await tx
			.update(users)
			.set({ emailVerifiedAt: sql`coalesce(${users.emailVerifiedAt}, now())` })
			.where(eq(users.id, userId));
		await recordSecurityEvent(tx, userId, 'email_verified', client);
		return signInAs(tx, userId, client);
	});
}

export async function resendVerification(db: Db, userId: string, origin: string): Promise<void> {
	await hit(db, limits.verifyResendPerUser, userId);
	const [user] = await db.select().from(users).where(eq(users.id, userId));
	if (!user || user.emailVerifiedAt) return;
	await queueVerification(db, user, origin);
}

const WRONG_CREDENTIALS = 'That email and password do not match an account.';

/** The events after which the browser was signed in: where they came from is the owner's. */
const SIGNED_IN_KINDS = ['sign_in', 'email_verified', 'password_reset'] as const;
/** Addresses change hands (a phone's, a café's): only recent ones count as the owner's. */
const KNOWN_ADDRESS_DAYS = 90;

/**
 * Whether the account of `email` was signed in from `ip` lately. One statement whether or not the
 * account exists, so its time tells a guesser nothing.
 */
async function signedInFromBefore(db: Db, email: string, ip: string): Promise<boolean> {
	const [known] = await db
		.select({ id: securityEvents.id })
		.from(securityEvents)
		.innerJoin(users, eq(users.id, securityEvents.userId))
		.where(
			and(
				eq(sql`lower(${users.email})`, email.toLowerCase()),
				eq(securityEvents.ip, ip),
				inArray(securityEvents.kind, [...SIGNED_IN_KINDS]),
				gt(securityEvents.createdAt, sql`now() - make_interval(days => ${KNOWN_ADDRESS_DAYS})`)
			)
		)
		.limit(1);
	return known !== undefined;
}

/**
 * `googleLinked`: the sign-in began with Google, for an account of this email, and Google is
 * linked to it now that its password was given.
 */
export async function signIn(
	db: Db,
	input: z.output<typeof signInLinkingSchema>,
	client: Client
): Promise<NewAuthSession & { googleLinked: boolean }> {
	await hit(db, limits.signInPerIp, client.ip ?? 'unknown');
	// Wrong passwords for an account lock out those who guess, not its owner: past the limit, a
	// password is still tried from an address the account was signed in from lately, under a
	// limit of its own, for whoever shares that address (an office, a mobile carrier's NAT).
	const [overLimit] = await hitEach(db, limits.signInPerEmail, [input.email]);
	if (overLimit) {
		if (!client.ip || !(await signedInFromBefore(db, input.email, client.ip))) throw overLimit;
		await hit(db, limits.signInPerEmailFromKnownIp, `${input.email} ${client.ip}`);
	}
	const user = await findUserByEmail(db, input.email);
	const valid = user?.passwordHash
		? await verifyPassword(user.passwordHash, input.password)
		: await verifyAgainstNothing(input.password);
	if (!user || !valid) {
		if (user) await recordSecurityEvent(db, user.id, 'sign_in_failed', client);
		throw new TRPCError({ code: 'UNAUTHORIZED', message: WRONG_CREDENTIALS });
	}
	await clear(db, limits.signInPerEmail, input.email);
	await recordSecurityEvent(db, user.id, 'sign_in', client);
	const googleLinked = input.googlePending
		? await linkPendingAfterPassword(db, user, input.googlePending, client)
		: false;
	return { ...(await signInAs(db, user.id, client)), googleLinked };
}

export async function signOut(
	db: Db,
	userId: string,
	sessionId: string,
	client: Client
): Promise<void> {
	await invalidateAuthSession(db, sessionId);
	await recordSecurityEvent(db, userId, 'sign_out', client);
}

/** Returns the ids of the sign-ins that were ended. */
export async function signOutOthers(
	db: Db,
	userId: string,
	keepSessionId: string,
	client: Client
): Promise<string[]> {
	return db.transaction(async (tx) => {
		const ended = await invalidateOtherAuthSessions(tx, userId, keepSessionId);
		await recordSecurityEvent(tx, userId, 'sign_out_others', client);
		return ended;
	});
}

/**
 * Answers alike, and in the same time, whether or not the email has an account: the request only
 * queues a job, the same one for any address, and the job looks the account up. (Looking it up
 * here made unknown addresses answer twice as fast, which told who has an account.)
 */
export async function requestPasswordReset(
	db: Db,
	input: z.output<typeof requestResetSchema>,
	client: Client,
	origin: string
): Promise<void> {
	await hit(db, limits.resetPerIp, client.ip ?? 'unknown');
	await hit(db, limits.resetPerEmail, input.email);
	await enqueueJob(db, QUEUES.passwordReset, {
		email: input.email,
		origin,
		ip: client.ip,
		userAgent: client.userAgent
	} satisfies PasswordResetJob);
}

/** The job of requestPasswordReset: an account gets a link, an unknown address nothing. */
export async function sendPasswordReset(db: Db, job: PasswordResetJob): Promise<void> {
	const user = await findUserByEmail(db, job.email);
	if (!user) return;
	await db.transaction(async (tx) => {
		const token = await createEmailToken(tx, user.id, 'reset_password');
		await recordSecurityEvent(tx, user.id, 'password_reset_requested', job);
		await queueEmail(tx, {
			key: `reset:${user.id}:${tokenId(token)}`,
			purpose: 'reset-password',
			email: resetPasswordMessage(user.email, user.name, links.reset(job.origin, token))
		});
	});
}

/**
 * Sets the new password, ends every sign-in (a reset usually means the old password is not safe)
 * and signs this browser in.
 */
export async function resetPassword(
	db: Db,
	input: z.output<typeof resetPasswordSchema>,
	client: Client,
	origin: string
): Promise<NewAuthSession> {
	const passwordHash = await hashPassword(input.password);
	return db.transaction(async (tx) => {
		const userId = (await consumeEmailToken(tx, input.token, 'reset_password'))?.userId;
		if (!userId) {
			throw new TRPCError({
				code: 'BAD_REQUEST',
				message: 'This reset link is invalid, already used or expired. Ask for a new one.'
			});
		}
		if (!(await wasProven(tx, userId))) await forgetUnprovenGoogle(tx, userId);
		const [user] = await tx
			.update(users)
			// A working reset link proves the address too.
			.set({
				passwordHash,
				emailVerifiedAt: sql`coalesce(${users.emailVerifiedAt}, now())`,
				updatedAt: new Date()
			})
			.where(eq(users.id, userId))
			.returning();
		await invalidateOtherAuthSessions(tx, userId, null);
		await recordSecurityEvent(tx, userId, 'password_reset', client);
		await queuePasswordChanged(tx, user!, user!.updatedAt, origin);
		return signInAs(tx, userId, client);
	});
}

const WRONG_PASSWORD = 'Your current password is not correct.';

/**
 * The password asked for again before a change that hands over or ends the account; limited per
 * account, so a browser left signed in is no faster a way to guess it than the sign-in form.
 */
export async function confirmPassword(
	db: Db,
	userId: string,
	password: string,
	field: string
): Promise<User> {
	await hit(db, limits.passwordAgainPerUser, userId);
	const [user] = await db.select().from(users).where(eq(users.id, userId));
	const valid = user?.passwordHash
		? await verifyPassword(user.passwordHash, password)
		: await verifyAgainstNothing(password);
	if (!user || !valid) {
		throw new TRPCError({
			code: 'BAD_REQUEST',
			message: WRONG_PASSWORD,
			cause: fieldError(field, WRONG_PASSWORD)
		});
	}
	return user;
}

export async function changePassword(
	db: Db,
	userId: string,
	keepSessionId: string,
	input: z.output<typeof changePasswordSchema>,
	client: Client,
	origin: string
): Promise<string[]> {
	const user = await confirmPassword(db, userId, input.currentPassword, 'currentPassword');
	const passwordHash = await hashPassword(input.newPassword);
	const changedAt = new Date();
	return db.transaction(async (tx) => {
		await tx.update(users).set({ passwordHash, updatedAt: changedAt }).where(eq(users.id, userId));
		await recordSecurityEvent(tx, userId, 'password_changed', client);
		await queuePasswordChanged(tx, user, changedAt, origin);
		return invalidateOtherAuthSessions(tx, userId, keepSessionId);
	});
}

/**
 * Emails a link to the new address; the email changes only when it is followed. The answer is the
 * same whether or not the address has an account: one that has gets a notice instead of a link,
 * so asking tells the asker nothing about who else uses Sessionboard.
 */
export async function requestEmailChange(
	db: Db,
	userId: string,
	input: z.output<typeof requestEmailChangeSchema>,
	client: Client,
	origin: string
): Promise<void> {
	await hit(db, limits.emailChangePerUser, userId);
	const user = await confirmPassword(db, userId, input.password, 'password');
	if (user.email.toLowerCase() === input.newEmail) {
		const message = 'This is already your email.';
		throw new TRPCError({
			code: 'BAD_REQUEST',
			message,
			cause: fieldError('newEmail', message)
		});
	}
	await db.transaction(async (tx) => {
		await recordSecurityEvent(tx, userId, 'email_change_requested', client);
		const holder = await findUserByEmail(tx, input.newEmail);
		if (holder) {
			// At most one a day per address, however often someone tries it.
			await queueEmail(tx, {
				key: `email-change-taken:${holder.id}:${new Date().toISOString().slice(0, 10)}`,
				purpose: 'email-change-taken',
				email: emailChangeToTakenMessage(holder.email, holder.name, links.forgot(origin))
			});
			return;
		}
		const token = await createEmailToken(tx, userId, 'change_email', input.newEmail);
		await queueEmail(tx, {
			key: `email-change:${userId}:${tokenId(token)}`,
			purpose: 'email-change',
			email: confirmEmailChangeMessage(input.newEmail, user.name, links.changeEmail(origin, token))
		});
	});
}

const CHANGE_LINK_INVALID =
	'This link is invalid, already used or expired. Ask for a new one in your settings.';
const ADDRESS_TAKEN =
	'This address already belongs to another account, so your email stays as it was.';

/**
 * Follows the link sent to the new address: the account moves to it, confirmed (the link proved
 * it), and the old address is told. Whoever follows it holds the new mailbox, so telling them the
 * address is taken reveals nothing that is not theirs.
 */
export async function confirmEmailChange(
	db: Db,
	token: string,
	client: Client
): Promise<{ email: string }> {
	try {
		return await db.transaction(async (tx) => {
			const used = await consumeEmailToken(tx, token, 'change_email');
			if (!used?.newEmail)
				throw new TRPCError({ code: 'BAD_REQUEST', message: CHANGE_LINK_INVALID });
			const holder = await findUserByEmail(tx, used.newEmail);
			if (holder) throw new TRPCError({ code: 'CONFLICT', message: ADDRESS_TAKEN });
			const [before] = await tx.select().from(users).where(eq(users.id, used.userId)).for('update');
			await tx
				.update(users)
				.set({ email: used.newEmail, emailVerifiedAt: new Date(), updatedAt: new Date() })
				.where(eq(users.id, used.userId));
			await recordSecurityEvent(tx, used.userId, 'email_changed', client);
			await queueEmail(tx, {
				key: `email-changed:${used.userId}:${tokenId(token)}`,
				purpose: 'email-changed',
				email: emailChangedMessage(before!.email, before!.name, used.newEmail)
			});
			return { email: used.newEmail };
		});
	} catch (error) {
		// Taken between the check and the update, by a sign-up at that very moment.
		if (pgErrorCode(error) === UNIQUE_VIOLATION) {
			throw new TRPCError({ code: 'CONFLICT', message: ADDRESS_TAKEN });
		}
		throw error;
	}
}

export async function updateProfile(db: Db, userId: string, input: z.output<typeof profileSchema>) {
	const [user] = await db
		.update(users)
		.set({ ...input, updatedAt: new Date() })
		.where(eq(users.id, userId))
		.returning({
			name: users.name,
			timeZone: users.timeZone,
			currency: users.currency,
			locale: users.locale,
			clock: users.clock
		});
	return user!;
}

/** Sets preferences that only change how things are shown: the colour scheme, working hours, the picture. */
export async function updatePreferences(
	db: Db,
	userId: string,
	input: Partial<
		z.output<typeof appearanceSchema> &
			z.output<typeof publicPictureSchema> & { dayStartsAt: number; dayEndsAt: number }
	>
) {
	const [preferences] = await db
		.update(users)
		.set({ ...input, updatedAt: new Date() })
		.where(eq(users.id, userId))
		.returning({
			colorScheme: users.colorScheme,
			dayStartsAt: users.dayStartsAt,
			dayEndsAt: users.dayEndsAt,
			pictureOnPublicPages: users.pictureOnPublicPages
		});
	return preferences!;
}

export async function listAuthSessions(db: Db, userId: string, currentSessionId: string) {
	const rows = await db
		.select({
			id: authSessions.id,
			createdAt: authSessions.createdAt,
			lastSeenAt: authSessions.lastSeenAt,
			ip: authSessions.ip,
			userAgent: authSessions.userAgent
		})
		.from(authSessions)
		.where(eq(authSessions.userId, userId))
		.orderBy(desc(authSessions.lastSeenAt));
	// The session id is half of the cookie token: it never leaves the server.
	return rows.map(({ id, ...row }) => ({ ...row, current: id === currentSessionId }));
}
