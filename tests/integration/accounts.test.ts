import { eq, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateAuthSessionToken } from '../../src/lib/server/auth/session';
import type { Database } from '../../src/lib/server/db';
import * as schema from '../../src/lib/server/db/schema';
import { authSessions, emailTokens, securityEvents, users } from '../../src/lib/server/db/schema';
import { QUEUES } from '../../src/lib/server/jobs/queues';
import { startWorker, type RunningWorker } from '../../src/lib/server/jobs/worker';
import {
	emailsTo,
	signedUpPractitioner,
	STRONG_PASSWORD,
	TestBrowser,
	tokenFromEmail
} from './support/browser';
import { useTestDatabase } from './support/database';
import { failure } from './support/errors';
import { waitFor } from './support/wait';

let db: Database;
let url: string;
beforeAll(async () => {
	({ db, url } = await useTestDatabase());
});

async function eventKinds(userId: string) {
	const rows = await db
		.select({
			kind: securityEvents.kind,
			ip: securityEvents.ip,
			userAgent: securityEvents.userAgent
		})
		.from(securityEvents)
		.where(eq(securityEvents.userId, userId));
	return rows;
}

describe('sign-up and email verification', () => {
	it('stores only an argon2id hash and signs in once the emailed link is used', async () => {
		const browser = new TestBrowser(db);
		const api = await browser.api();
		await api.account.signUp({
			name: 'Ada',
			email: '  Ada@Example.com ',
			password: STRONG_PASSWORD,
			ageConfirmed: true,
			timeZone: 'America/New_York'
		});
		const [user] = await db.select().from(users).where(eq(users.email, 'ada@example.com'));
		expect(user?.passwordHash).toMatch(/^\$argon2id\$/);
		expect(JSON.stringify(user)).not.toContain(STRONG_PASSWORD);
		expect(user?.emailVerifiedAt).toBeNull();
		expect(user?.timeZone).toBe('America/New_York');
		expect(browser.token).toBeNull();

		const token = await tokenFromEmail(db, 'ada@example.com', '/verify-email');
		await (await browser.api()).account.verifyEmail({ token });
		expect(browser.token).not.toBeNull();
		const me = await (await browser.api()).account.me();
		expect(me.emailVerifiedAt).toBeInstanceOf(Date);

		const again = new TestBrowser(db);
		const reused = await failure((await again.api()).account.verifyEmail({ token }));
		expect(reused.code).toBe('BAD_REQUEST');
		expect(again.token).toBeNull();
	});

	it('refuses sign-up without the age confirmation or with a guessable password', async () => {
		const api = await new TestBrowser(db).api();
		const underage = await failure(
			api.account.signUp({
				name: 'Kid',
				email: 'kid@example.com',
				password: STRONG_PASSWORD,
				ageConfirmed: false,
				timeZone: ''
			})
		);
		expect(underage.code).toBe('BAD_REQUEST');
		const weak = await failure(
			api.account.signUp({
				name: 'Weak',
				email: 'weak@example.com',
				password: 'password123',
				ageConfirmed: true,
				timeZone: ''
			})
		);
		expect(weak.code).toBe('BAD_REQUEST');
		expect(weak.message).toContain('too easy to guess');
		const created = await db
			.select()
			.from(users)
			.where(sql`${users.email} in ('kid@example.com', 'weak@example.com')`);
		expect(created).toHaveLength(0);
	});

	it('answers a sign-up for a registered email exactly like a new one and changes nothing', async () => {
		const { email, user } = await signedUpPractitioner(db);
		const [before] = await db.select().from(users).where(eq(users.id, user.id));
		const api = await new TestBrowser(db).api();
		const result = await api.account.signUp({
			name: 'Impostor',
			email,
			password: 'another long passphrase here',
			ageConfirmed: true,
			timeZone: ''
		});
		expect(result).toEqual({ email });
		const [after] = await db.select().from(users).where(eq(users.id, user.id));
		expect(after).toEqual(before);
		const [notice] = await emailsTo(db, email);
		expect(notice?.subject).toBe('Someone tried to sign up with your email');
	});
});

describe('auth sessions', () => {
	it('refuses a token with a wrong secret, an expired session and a signed-out one', async () => {
		const { browser } = await signedUpPractitioner(db);
		const [id] = browser.token!.split('.');
		const forged = new TestBrowser(db);
		forged.token = `${id}.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa`;
		expect((await failure((await forged.api()).account.me())).code).toBe('UNAUTHORIZED');

		await db
			.update(authSessions)
			.set({ expiresAt: new Date(Date.now() - 1000) })
			.where(eq(authSessions.id, id!));
		expect((await failure((await browser.api()).account.me())).code).toBe('UNAUTHORIZED');
		expect(await db.select().from(authSessions).where(eq(authSessions.id, id!))).toHaveLength(0);

		const second = await signedUpPractitioner(db);
		const token = second.browser.token;
		await (await second.browser.api()).account.signOut();
		expect(second.browser.token).toBeNull();
		second.browser.token = token;
		expect((await failure((await second.browser.api()).account.me())).code).toBe('UNAUTHORIZED');
	});

	it('slides the expiry forward when a session is used in its second half', async () => {
		const { browser } = await signedUpPractitioner(db);
		const [id] = browser.token!.split('.');
		// Fresh: nothing moves, so the cookie need not be sent again.
		expect((await validateAuthSessionToken(db, browser.token!))?.renewed).toBe(false);
		const soon = new Date(Date.now() + 5 * 24 * 60 * 60 * 1000);
		await db.update(authSessions).set({ expiresAt: soon }).where(eq(authSessions.id, id!));
		const validated = await validateAuthSessionToken(db, browser.token!);
		expect(validated?.renewed).toBe(true);
		const [row] = await db.select().from(authSessions).where(eq(authSessions.id, id!));
		expect(row!.expiresAt.getTime()).toBeGreaterThan(Date.now() + 29 * 24 * 60 * 60 * 1000);
		expect(validated?.session.expiresAt).toEqual(row!.expiresAt);
	});

	it('signing out of all other devices ends every other sign-in and keeps this one', async () => {
		const { browser, email, password, user } = await signedUpPractitioner(db);
		const others = [new TestBrowser(db), new TestBrowser(db)];
		for (const other of others) await (await other.api()).account.signIn({ email, password });
		const result = await (await browser.api()).account.signOutOthers();
		expect(result.ended).toBe(2);
		for (const other of others) {
			expect((await failure((await other.api()).account.me())).code).toBe('UNAUTHORIZED');
		}
		expect((await (await browser.api()).account.me()).id).toBe(user.id);
		const sessions = await (await browser.api()).account.authSessions();
		expect(sessions).toHaveLength(1);
		expect(sessions[0]).toMatchObject({ current: true, ip: browser.client.ip });
		expect(sessions[0]).not.toHaveProperty('id');
	});
});

describe('sign-in', () => {
	it('gives the same answer for an unknown email and a wrong password', async () => {
		const { email } = await signedUpPractitioner(db);
		const api = await new TestBrowser(db).api();
		const wrong = await failure(api.account.signIn({ email, password: 'not my password at all' }));
		const unknown = await failure(
			api.account.signIn({ email: 'nobody@example.com', password: 'not my password at all' })
		);
		expect(wrong.code).toBe('UNAUTHORIZED');
		expect(unknown.code).toBe(wrong.code);
		expect(unknown.message).toBe(wrong.message);
	});

	it('answers the 6th attempt on one email within 15 minutes with 429 and when to retry', async () => {
		const { email, password, user } = await signedUpPractitioner(db);
		const attacker = new TestBrowser(db);
		for (let attempt = 1; attempt <= 5; attempt++) {
			const error = await failure(
				(await attacker.api()).account.signIn({ email, password: 'guess number ' + attempt })
			);
			expect(error.code).toBe('UNAUTHORIZED');
		}
		const blocked = await failure((await attacker.api()).account.signIn({ email, password }));
		expect(blocked.code).toBe('TOO_MANY_REQUESTS');
		expect(blocked.message).toMatch(/try again in (1[0-5]|[1-9]) minutes/);
		expect(attacker.token).toBeNull();
		// From another address too: the limit is on the account, not only the IP.
		const elsewhere = await failure(
			(await new TestBrowser(db).api()).account.signIn({ email, password })
		);
		expect(elsewhere.code).toBe('TOO_MANY_REQUESTS');

		const failed = (await eventKinds(user.id)).filter((e) => e.kind === 'sign_in_failed');
		expect(failed).toHaveLength(5);
		expect(failed[0]).toMatchObject({
			ip: attacker.client.ip,
			userAgent: attacker.client.userAgent
		});
	});

	it('still lets the owner in from an address they were signed in from, and no one else', async () => {
		const { browser, email, password } = await signedUpPractitioner(db);
		await (await browser.api()).account.signOut();
		const attacker = new TestBrowser(db);
		for (let attempt = 1; attempt <= 5; attempt++) {
			await failure(
				(await attacker.api()).account.signIn({ email, password: 'guess number ' + attempt })
			);
		}
		const stranger = await failure(
			(await new TestBrowser(db).api()).account.signIn({ email, password })
		);
		expect(stranger.code).toBe('TOO_MANY_REQUESTS');

		await (await browser.api()).account.signIn({ email, password });
		expect(browser.token).not.toBeNull();
	});

	it('past the limit, still bounds the guesses made from an address the owner used', async () => {
		const { browser, email, password } = await signedUpPractitioner(db);
		await (await browser.api()).account.signOut();
		const codes: string[] = [];
		// Someone at the owner's address (the same office or mobile carrier) guesses.
		for (let attempt = 1; attempt <= 16; attempt++) {
			const error = await failure(
				(await browser.api()).account.signIn({ email, password: 'guess number ' + attempt })
			);
			codes.push(error.code);
		}
		expect(codes).toEqual([...Array<string>(15).fill('UNAUTHORIZED'), 'TOO_MANY_REQUESTS']);
		expect((await failure((await browser.api()).account.signIn({ email, password }))).code).toBe(
			'TOO_MANY_REQUESTS'
		);
	});

	it('limits attempts per IP across many emails', async () => {
		const attacker = new TestBrowser(db);
		const codes: string[] = [];
		for (let attempt = 1; attempt <= 31; attempt++) {
			const error = await failure(
				(await attacker.api()).account.signIn({
					email: `spray${attempt}@example.com`,
					password: 'whatever it is'
				})
			);
			codes.push(error.code);
		}
		expect(codes.slice(0, 30).every((code) => code === 'UNAUTHORIZED')).toBe(true);
		expect(codes[30]).toBe('TOO_MANY_REQUESTS');
	});
});

describe('password reset', () => {
	let worker: RunningWorker;
	beforeAll(async () => {
		worker = await startWorker(url, { crons: false, log: () => {} });
	});
	afterAll(() => worker.stop());

	/** The reset jobs asked for these addresses, waiting or done. */
	async function resetJobs(emails: string[]) {
		return db.execute(sql`
			select id from pgboss.job where name = ${QUEUES.passwordReset} and data->>'email' in ${emails}
			union all
			select id from pgboss.archive where name = ${QUEUES.passwordReset} and data->>'email' in ${emails}`);
	}

	it('answers known and unknown emails alike, and emails only the account holder', async () => {
		const { email } = await signedUpPractitioner(db);
		const api = await new TestBrowser(db).api();
		const known = await api.account.requestPasswordReset({ email });
		const unknown = await api.account.requestPasswordReset({ email: 'ghost@example.com' });
		expect(known).toEqual(unknown);
		// Once handled, no job keeps the addresses typed into the form.
		await waitFor('both reset jobs to be handled', async () => {
			return (await resetJobs([email, 'ghost@example.com'])).length === 0;
		});
		expect((await emailsTo(db, email))[0]?.subject).toBe('Reset your Sessionboard password');
		expect(await emailsTo(db, 'ghost@example.com')).toHaveLength(0);
	});

	it('does the same for an unknown email as for an account: the same statements', async () => {
		const { email } = await signedUpPractitioner(db);
		const statements: string[] = [];
		const client = postgres(url, {
			max: 1,
			onnotice: () => {},
			// Else the connection's first statement is postgres.js's own look-up of array types.
			fetch_types: false,
			debug: (_, statement) => statements.push(statement)
		});
		// The app's own service code on a handle that records every statement it sends.
		const watched = drizzle(client, { schema, casing: 'snake_case' }) as unknown as Database;
		const sent = async (address: string) => {
			statements.length = 0;
			await (
				await new TestBrowser(watched).api()
			).account.requestPasswordReset({
				email: address
			});
			return [...statements];
		};
		try {
			const known = await sent(email);
			const unknown = await sent('nobody-here@example.com');
			expect(known.some((statement) => statement.includes('pgboss'))).toBe(true);
			expect(unknown).toEqual(known);
		} finally {
			await client.end();
		}
	});

	it('works once, stores the token hashed, ends every sign-in and signs this browser in', async () => {
		const { browser, email, user } = await signedUpPractitioner(db);
		await (await new TestBrowser(db).api()).account.requestPasswordReset({ email });
		const token = await tokenFromEmail(db, email, '/reset-password');
		const stored = await db.select().from(emailTokens).where(eq(emailTokens.userId, user.id));
		expect(JSON.stringify(stored)).not.toContain(token.split('.')[1]);

		const resetter = new TestBrowser(db);
		await (
			await resetter.api()
		).account.resetPassword({ token, password: 'a brand new passphrase 7' });
		expect(resetter.token).not.toBeNull();
		expect((await failure((await browser.api()).account.me())).code).toBe('UNAUTHORIZED');

		const replay = await failure(
			(await new TestBrowser(db).api()).account.resetPassword({
				token,
				password: 'yet another passphrase 9'
			})
		);
		expect(replay.code).toBe('BAD_REQUEST');

		const fresh = new TestBrowser(db);
		await (await fresh.api()).account.signIn({ email, password: 'a brand new passphrase 7' });
		expect(fresh.token).not.toBeNull();
		const kinds = (await eventKinds(user.id)).map((e) => e.kind);
		expect(kinds).toEqual(expect.arrayContaining(['password_reset_requested', 'password_reset']));
		expect((await emailsTo(db, email))[0]?.subject).toBe('Your Sessionboard password was changed');
	});

	it('refuses an expired link', async () => {
		const { email, user } = await signedUpPractitioner(db);
		await (await new TestBrowser(db).api()).account.requestPasswordReset({ email });
		const token = await tokenFromEmail(db, email, '/reset-password');
		await db
			.update(emailTokens)
			.set({ expiresAt: new Date(Date.now() - 1000) })
			.where(eq(emailTokens.userId, user.id));
		const expired = await failure(
			(await new TestBrowser(db).api()).account.resetPassword({
				token,
				password: 'a brand new passphrase 7'
			})
		);
		expect(expired.code).toBe('BAD_REQUEST');
	});
});

describe('settings', () => {
	it('changing the password needs the current one and ends the other sign-ins', async () => {
		const { browser, email, password, user } = await signedUpPractitioner(db);
		const other = new TestBrowser(db);
		await (await other.api()).account.signIn({ email, password });

		const wrong = await failure(
			(await browser.api()).account.changePassword({
				currentPassword: 'not the password',
				newPassword: 'a brand new passphrase 7'
			})
		);
		expect(wrong.code).toBe('BAD_REQUEST');
		expect(wrong.message).toBe('Your current password is not correct.');

		const result = await (
			await browser.api()
		).account.changePassword({
			currentPassword: password,
			newPassword: 'a brand new passphrase 7'
		});
		expect(result.ended).toBe(1);
		expect((await failure((await other.api()).account.me())).code).toBe('UNAUTHORIZED');
		expect((await (await browser.api()).account.me()).id).toBe(user.id);
		expect((await eventKinds(user.id)).map((e) => e.kind)).toContain('password_changed');
	});

	it('shows the user their security log with IP and user agent', async () => {
		const { browser, email } = await signedUpPractitioner(db);
		const log = await (await browser.api()).account.securityLog();
		expect(log.map((e) => e.kind)).toEqual(['email_verified', 'sign_up']);
		expect(log[0]).toMatchObject({ ip: browser.client.ip, userAgent: browser.client.userAgent });
		// A wrong password, then the right one, from another device: each logged with where it came from.
		const laptop = new TestBrowser(db);
		await failure((await laptop.api()).account.signIn({ email, password: 'not the password' }));
		await (await laptop.api()).account.signIn({ email, password: STRONG_PASSWORD });
		const later = await (await browser.api()).account.securityLog();
		expect(later.slice(0, 2)).toMatchObject([
			{ kind: 'sign_in', ip: laptop.client.ip, userAgent: laptop.client.userAgent },
			{ kind: 'sign_in_failed', ip: laptop.client.ip, userAgent: laptop.client.userAgent }
		]);
		expect(laptop.client.ip).not.toBe(browser.client.ip);
	});

	it('validates the time zone and currency of a profile change', async () => {
		const { browser } = await signedUpPractitioner(db);
		const bad = await failure(
			(await browser.api()).account.updateProfile({
				name: 'Robin',
				timeZone: 'Mars/Olympus',
				currency: 'EUR',
				locale: 'en-GB',
				clock: 'locale'
			})
		);
		expect(bad.code).toBe('BAD_REQUEST');
		const badCurrency = await failure(
			(await browser.api()).account.updateProfile({
				name: 'Robin',
				timeZone: 'UTC',
				currency: 'QQQ',
				locale: 'en-GB',
				clock: 'locale'
			})
		);
		expect(badCurrency.code).toBe('BAD_REQUEST');
		const saved = await (
			await browser.api()
		).account.updateProfile({
			name: 'Robin Renamed',
			timeZone: 'Asia/Tokyo',
			currency: 'jpy',
			locale: 'en-US',
			clock: '24'
		});
		expect(saved).toEqual({
			name: 'Robin Renamed',
			timeZone: 'Asia/Tokyo',
			currency: 'JPY',
			locale: 'en-US',
			clock: '24'
		});
	});

	it('refuses every account procedure without a sign-in', async () => {
		const api = await new TestBrowser(db).api();
		for (const call of [
			api.account.me(),
			api.account.authSessions(),
			api.account.securityLog(),
			api.account.signOut(),
			api.account.signOutOthers(),
			api.account.resendVerification(),
			api.account.updateProfile({
				name: 'X',
				timeZone: 'UTC',
				currency: 'EUR',
				locale: 'en-GB',
				clock: 'locale'
			}),
			api.account.changePassword({ currentPassword: 'x', newPassword: 'a brand new passphrase 7' })
		]) {
			expect((await failure(call)).code).toBe('UNAUTHORIZED');
		}
	});
});
