/**
 * Signing in with Google, end to end over HTTP: the app served by SvelteKit, a real OpenID
 * provider (oidc-provider) standing in for Google, and a browser keeping cookies.
 */
import { TRPCError } from '@trpc/server';
import { eq } from 'drizzle-orm';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AUTH_COOKIE } from '../../src/lib/server/auth/session';
import { ownedTables } from '../../src/lib/server/account-data/owned-tables';
import { sendPasswordReset } from '../../src/lib/server/account/service';
import type { Database } from '../../src/lib/server/db';
import {
	googleIdentities,
	googlePendingSignIns,
	rateLimits,
	securityEvents,
	userPictures,
	users
} from '../../src/lib/server/db/schema';
import { solidPng, type FakeOidc } from '../fakes/oidc';
import type { App } from './support/app-server';
import {
	emailsTo,
	ORIGIN,
	signedUpPractitioner,
	STRONG_PASSWORD,
	TestBrowser,
	tokenFromEmail
} from './support/browser';
import { useTestDatabase } from './support/database';
import {
	googleRoundTrip,
	HttpBrowser,
	location,
	newGoogleAccount,
	useAppWithGoogle
} from './support/google';

let db: Database;
let app: App;
let google: FakeOidc;

beforeAll(async () => {
	({ db } = await useTestDatabase());
	({ app, google } = await useAppWithGoogle());
});

// Every request of these tests comes from 127.0.0.1: each test starts with its limits unspent.
beforeEach(async () => {
	await db.delete(rateLimits);
});

async function userByEmail(email: string) {
	const [user] = await db.select().from(users).where(eq(users.email, email));
	return user;
}

async function identityOf(userId: string) {
	const [identity] = await db
		.select()
		.from(googleIdentities)
		.where(eq(googleIdentities.userId, userId));
	return identity;
}

async function eventsOf(userId: string) {
	const rows = await db
		.select({ kind: securityEvents.kind })
		.from(securityEvents)
		.where(eq(securityEvents.userId, userId));
	return rows.map((row) => row.kind);
}

/** A new Google user through the age step: signed in, in `browser`. */
async function newGoogleUser(overrides: Parameters<typeof newGoogleAccount>[1] = {}) {
	const browser = new HttpBrowser();
	const account = newGoogleAccount(google, overrides);
	const { next } = await googleRoundTrip(app, browser, account);
	expect(next.pathname + next.search).toBe('/sign-in/google/new');
	const created = await browser.post(next, { ageConfirmed: 'on', timeZone: 'Europe/Vienna' });
	expect(created.status).toBe(303);
	expect(location(created, app.origin).pathname).toBe('/dashboard');
	const user = (await userByEmail(account.email))!;
	return { browser, account, user };
}

/** The app's tRPC procedures as the HTTP browser's signed-in user. */
function apiOf(browser: HttpBrowser) {
	const test = new TestBrowser(db);
	test.token = browser.cookie(AUTH_COOKIE) ?? null;
	return test.api();
}

/**
 * An account whose address was never confirmed, with a Google account and picture linked to it:
 * what an unverified Google email could make before it was refused, still in the database.
 */
async function unconfirmedWithGoogle() {
	const email = `unconfirmed-${Date.now()}-${Math.random().toString(36).slice(2)}@example.org`;
	await (
		await new TestBrowser(db).api()
	).account.signUp({
		name: 'Someone',
		email,
		password: STRONG_PASSWORD,
		ageConfirmed: true,
		timeZone: 'UTC'
	});
	const user = (await userByEmail(email))!;
	expect(user.emailVerifiedAt).toBeNull();
	const account = newGoogleAccount(google, { email });
	await db.insert(googleIdentities).values({ userId: user.id, subject: account.sub });
	await db
		.insert(userPictures)
		.values({ userId: user.id, contentType: 'image/png', bytes: solidPng() });
	return { email, userId: user.id, account };
}

describe('Sign in with Google', () => {
	it('shows the button only when Google is configured', async () => {
		const page = await (await fetch(`${app.origin}/sign-in`)).text();
		expect(page).toContain('Sign in with Google');
		const saved = process.env.GOOGLE_CLIENT_SECRET;
		delete process.env.GOOGLE_CLIENT_SECRET;
		try {
			const without = await (await fetch(`${app.origin}/sign-in`)).text();
			expect(without).not.toContain('Sign in with Google');
			expect((await fetch(`${app.origin}/sign-in/google`, { redirect: 'manual' })).status).toBe(
				404
			);
		} finally {
			process.env.GOOGLE_CLIENT_SECRET = saved;
		}
	});

	it('makes a new Google user confirm their age once, then makes the account and signs them in', async () => {
		const browser = new HttpBrowser();
		const account = newGoogleAccount(google, { name: 'Ada Google' });
		const { next } = await googleRoundTrip(app, browser, account);
		expect(next.pathname).toBe('/sign-in/google/new');
		// No account and no sign-in before the age is confirmed.
		expect(browser.cookie(AUTH_COOKIE)).toBeUndefined();
		expect(await userByEmail(account.email)).toBeUndefined();

		const step = await browser.request(next);
		const page = await step.text();
		expect(page).toContain('I am 16 or older');
		expect(page).toContain('Ada Google');

		const refused = await browser.post(next, { timeZone: 'Europe/Vienna' });
		expect(refused.status).toBe(400);
		expect(await refused.text()).toContain('only for people aged 16 or older');
		expect(await userByEmail(account.email)).toBeUndefined();

		const created = await browser.post(next, { ageConfirmed: 'on', timeZone: 'Europe/Vienna' });
		expect(location(created, app.origin).pathname).toBe('/dashboard');
		expect(browser.cookie(AUTH_COOKIE)).toBeDefined();
		const user = (await userByEmail(account.email))!;
		expect(user).toMatchObject({
			name: 'Ada Google',
			passwordHash: null,
			timeZone: 'Europe/Vienna'
		});
		expect(user.emailVerifiedAt).not.toBeNull();
		expect(user.ageConfirmedAt).not.toBeNull();
		expect((await identityOf(user.id))?.subject).toBe(account.sub);
		expect(await eventsOf(user.id)).toEqual(expect.arrayContaining(['sign_up', 'google_linked']));
		expect((await (await apiOf(browser)).account.me()).id).toBe(user.id);
		// The pending sign-in is used up: its cookie cannot make a second account.
		expect(await db.select().from(googlePendingSignIns)).toHaveLength(0);
	});

	it('keeps a pending sign-in against a token with its id but another secret', async () => {
		const browser = new HttpBrowser();
		await googleRoundTrip(app, browser, newGoogleAccount(google));
		const token = browser.cookie('sb_google_pending')!;
		const [id] = token.split('.');
		const forged = new HttpBrowser();
		forged.cookies.push({
			origin: app.origin,
			path: '/sign-in',
			name: 'sb_google_pending',
			value: `${id}.${'a'.repeat(32)}`
		});
		await forged.post(`${app.origin}/sign-in/google/new`, { ageConfirmed: 'on', timeZone: 'UTC' });
		// A sign-in of the forger's own account uses up the pending sign-in it names, if it can.
		const forger = await signedUpPractitioner(db);
		await forged.post(`${app.origin}/sign-in`, {
			email: forger.email,
			password: forger.password,
			linkGoogle: 'true'
		});
		expect(
			await db.select().from(googlePendingSignIns).where(eq(googlePendingSignIns.id, id!))
		).toHaveLength(1);
		const created = await browser.post(`${app.origin}/sign-in/google/new`, {
			ageConfirmed: 'on',
			timeZone: 'UTC'
		});
		expect(location(created, app.origin).pathname).toBe('/dashboard');
	});

	it('finishes a sign-up sent from two tabs at once once, and sends the other tab to a notice', async () => {
		const browser = new HttpBrowser();
		const account = newGoogleAccount(google, { picture: '' });
		const { next } = await googleRoundTrip(app, browser, account);
		const answers = await Promise.all(
			[1, 2].map(() => browser.post(next, { ageConfirmed: 'on', timeZone: 'UTC' }))
		);
		const to = answers
			.map((answer) => location(answer, app.origin))
			.map((u) => u.pathname + u.search);
		expect(to.sort()).toEqual(['/dashboard', '/sign-in?google=expired']);
		const other = await (await fetch(`${app.origin}/sign-in?google=expired`)).text();
		expect(other).toContain('This sign-in with Google took too long or was already used');
		expect(await db.select().from(users).where(eq(users.email, account.email))).toHaveLength(1);
	});

	it('copies the picture and serves it only to its owner, with no cache kept', async () => {
		const { browser, user } = await newGoogleUser();
		const [stored] = await db.select().from(userPictures).where(eq(userPictures.userId, user.id));
		expect(stored?.contentType).toBe('image/png');
		expect(stored?.bytes.equals(google.pictures.get('avatar.png')!.bytes)).toBe(true);

		const own = await browser.request(`${app.origin}/account/picture`);
		expect(own.status).toBe(200);
		expect(own.headers.get('content-type')).toBe('image/png');
		expect(own.headers.get('cache-control')).toBe('private, no-store');
		expect(Buffer.from(await own.arrayBuffer()).equals(stored!.bytes)).toBe(true);
		// The layout shows our copy, never Google's address.
		const dashboard = await (await browser.request(`${app.origin}/dashboard`)).text();
		expect(dashboard).toContain('src="/account/picture"');
		expect(dashboard).not.toContain(google.issuer);

		const stranger = new HttpBrowser();
		expect((await stranger.request(`${app.origin}/account/picture`)).status).toBe(404);
		const other = await newGoogleUser({ picture: '' });
		expect((await other.browser.request(`${app.origin}/account/picture`)).status).toBe(404);
	});

	it('copies only pictures within the rules: an image type, at most 1 MiB, from an allowed host', async () => {
		google.pictures.set('page.html', { contentType: 'text/html', bytes: Buffer.from('<p>hi') });
		google.pictures.set('huge.png', {
			contentType: 'image/png',
			bytes: Buffer.concat([solidPng(), Buffer.alloc(1024 * 1024)])
		});
		google.pictures.set('fake.png', { contentType: 'image/png', bytes: Buffer.from('GIF89a') });
		// A redirect could lead anywhere, even to a picture of the allowed host.
		google.pictures.set('moved.png', {
			contentType: 'image/png',
			bytes: Buffer.alloc(0),
			location: google.pictureUrl('avatar.png')
		});
		for (const picture of [
			google.pictureUrl('page.html'),
			google.pictureUrl('huge.png'),
			google.pictureUrl('fake.png'),
			google.pictureUrl('moved.png'),
			// Only from the provider's own host: not Google's either, while it stands in for Google.
			'https://lh3.googleusercontent.com/a/picture.png',
			// Plain HTTP only from the test provider's own host.
			google.pictureUrl('avatar.png').replace('127.0.0.1', 'localhost')
		]) {
			const { user } = await newGoogleUser({ picture });
			const stored = await db.select().from(userPictures).where(eq(userPictures.userId, user.id));
			expect(stored, picture).toHaveLength(0);
		}
	});

	it('refuses an email Google has not verified: no account, no sign-in, no link', async () => {
		const browser = new HttpBrowser();
		const account = newGoogleAccount(google, { email_verified: false });
		const { next } = await googleRoundTrip(app, browser, account);
		expect(next.pathname + next.search).toBe('/sign-in?google=unverified');
		expect(browser.cookie(AUTH_COOKIE)).toBeUndefined();
		const page = await (await browser.request(next)).text();
		expect(page).toContain('Google has not verified this email address');
		expect(await userByEmail(account.email)).toBeUndefined();
		expect(await db.select().from(googlePendingSignIns)).toHaveLength(0);

		// Not for an account of that address either: nothing waits for its password.
		const owner = await signedUpPractitioner(db);
		const claimed = newGoogleAccount(google, { email: owner.email, email_verified: false });
		const other = await googleRoundTrip(app, browser, claimed);
		expect(other.next.search).toBe('?google=unverified');
		expect(await db.select().from(googlePendingSignIns)).toHaveLength(0);
	});

	it('lets a password sign-up take over an address never confirmed, and a Google link made before goes with it', async () => {
		const { email, userId, account } = await unconfirmedWithGoogle();
		await (
			await new TestBrowser(db).api()
		).account.signUp({
			name: 'The Real Owner',
			email,
			password: STRONG_PASSWORD,
			ageConfirmed: true,
			timeZone: 'UTC'
		});
		expect(await identityOf(userId)).toBeUndefined();
		expect(await db.select().from(userPictures).where(eq(userPictures.userId, userId))).toEqual([]);
		const { next } = await googleRoundTrip(app, new HttpBrowser(), account);
		expect(next.pathname + next.search).toBe('/sign-in?google=link');
	});

	it('drops a Google link made before the address was proven when the owner resets the password', async () => {
		const { email, userId, account } = await unconfirmedWithGoogle();
		await sendPasswordReset(db, { email, origin: ORIGIN, ip: null, userAgent: null });
		const token = await tokenFromEmail(db, email, '/reset-password');
		await (
			await new TestBrowser(db).api()
		).account.resetPassword({ token, password: STRONG_PASSWORD });
		expect((await userByEmail(email))?.emailVerifiedAt).not.toBeNull();
		expect(await identityOf(userId)).toBeUndefined();
		expect(await db.select().from(userPictures).where(eq(userPictures.userId, userId))).toEqual([]);
		// Whoever linked it is out: their Google no longer signs in to the owner's account.
		const { next } = await googleRoundTrip(app, new HttpBrowser(), account);
		expect(next.pathname + next.search).toBe('/sign-in?google=link');
	});

	it('drops a Google link made before the address was proven when the owner confirms it', async () => {
		const { email, userId, account } = await unconfirmedWithGoogle();
		const token = await tokenFromEmail(db, email, '/verify-email');
		await (await new TestBrowser(db).api()).account.verifyEmail({ token });
		expect((await userByEmail(email))?.emailVerifiedAt).not.toBeNull();
		expect(await identityOf(userId)).toBeUndefined();
		expect(await db.select().from(userPictures).where(eq(userPictures.userId, userId))).toEqual([]);
		const { next } = await googleRoundTrip(app, new HttpBrowser(), account);
		expect(next.pathname + next.search).toBe('/sign-in?google=link');
	});

	it('signs a known Google account in to its account, and refreshes its picture', async () => {
		const { account, user } = await newGoogleUser();
		google.pictures.set('new.png', { contentType: 'image/png', bytes: solidPng(4, [0, 128, 0]) });
		const browser = new HttpBrowser();
		const { next } = await googleRoundTrip(app, browser, {
			...account,
			picture: google.pictureUrl('new.png')
		});
		expect(next.pathname).toBe('/dashboard');
		expect((await (await apiOf(browser)).account.me()).id).toBe(user.id);
		expect((await eventsOf(user.id)).filter((kind) => kind === 'sign_in')).toHaveLength(1);
		const [stored] = await db.select().from(userPictures).where(eq(userPictures.userId, user.id));
		expect(stored?.bytes.equals(google.pictures.get('new.png')!.bytes)).toBe(true);
	});

	it('does not take over an account with the same email: its password links Google, then Google signs in', async () => {
		const owner = await signedUpPractitioner(db);
		const browser = new HttpBrowser();
		const account = newGoogleAccount(google, { email: owner.email });
		const { next } = await googleRoundTrip(app, browser, account);
		expect(next.pathname + next.search).toBe('/sign-in?google=link');
		expect(browser.cookie(AUTH_COOKIE)).toBeUndefined();
		expect(await identityOf(owner.user.id)).toBeUndefined();

		const page = await (await browser.request(next)).text();
		expect(page).toContain(
			'An account with this email exists: sign in with its password to link Google.'
		);
		expect(page).toContain(`value="${owner.email}"`);
		expect(page).toContain('name="linkGoogle"');

		const signedIn = await browser.post(`${app.origin}/sign-in`, {
			email: owner.email,
			password: owner.password,
			linkGoogle: 'true'
		});
		expect(location(signedIn, app.origin).href).toBe(`${app.origin}/settings?google=linked`);
		expect((await identityOf(owner.user.id))?.subject).toBe(account.sub);
		expect(await eventsOf(owner.user.id)).toContain('google_linked');
		expect(
			await db.select().from(userPictures).where(eq(userPictures.userId, owner.user.id))
		).toHaveLength(1);

		const again = await googleRoundTrip(app, new HttpBrowser(), account);
		expect(again.next.pathname).toBe('/dashboard');
	});

	it('links nothing when a later sign-in in that browser is not from the page back from Google', async () => {
		const owner = await signedUpPractitioner(db);
		const shared = new HttpBrowser();
		const account = newGoogleAccount(google, { email: owner.email });
		const { next } = await googleRoundTrip(app, shared, account);
		expect(next.search).toBe('?google=link');
		// The plain sign-in page, as anyone using this browser later would open it.
		const plain = await (await shared.request(`${app.origin}/sign-in`)).text();
		expect(plain).not.toContain('name="linkGoogle"');
		const signedIn = await shared.post(`${app.origin}/sign-in`, {
			email: owner.email,
			password: owner.password
		});
		expect(location(signedIn, app.origin).pathname).toBe('/dashboard');
		expect(await identityOf(owner.user.id)).toBeUndefined();
	});

	it('links nothing when another account signs in with its password after Google', async () => {
		const owner = await signedUpPractitioner(db);
		const other = await signedUpPractitioner(db);
		const browser = new HttpBrowser();
		const account = newGoogleAccount(google, { email: owner.email });
		await googleRoundTrip(app, browser, account);
		const signedIn = await browser.post(`${app.origin}/sign-in`, {
			email: other.email,
			password: other.password,
			linkGoogle: 'true'
		});
		expect(location(signedIn, app.origin).pathname).toBe('/dashboard');
		expect(await identityOf(owner.user.id)).toBeUndefined();
		expect(await identityOf(other.user.id)).toBeUndefined();
		// Used up: the owner's own sign-in later links nothing either.
		await browser.post(`${app.origin}/sign-in`, {
			email: owner.email,
			password: owner.password,
			linkGoogle: 'true'
		});
		expect(await identityOf(owner.user.id)).toBeUndefined();
		expect(
			await db.select().from(googleIdentities).where(eq(googleIdentities.subject, account.sub))
		).toHaveLength(0);
	});

	it('limits Google sign-ups and sign-ins per address as the password forms do', async () => {
		let refusedWith = '';
		for (let made = 0; made <= 20; made += 1) {
			const browser = new HttpBrowser();
			const account = newGoogleAccount(google, { picture: '' });
			const { next } = await googleRoundTrip(app, browser, account);
			const answer = await browser.post(next, { ageConfirmed: 'on', timeZone: 'UTC' });
			if (made < 20) {
				expect(answer.status, `sign-up ${made + 1}`).toBe(303);
			} else {
				expect(answer.status).toBe(429);
				refusedWith = await answer.text();
				expect(await userByEmail(account.email)).toBeUndefined();
			}
		}
		// The password form from the same address is refused now too, in the same words.
		const password = await new HttpBrowser().post(`${app.origin}/sign-up`, {
			name: 'Over The Limit',
			email: `over-${Date.now()}@example.org`,
			password: STRONG_PASSWORD,
			ageConfirmed: 'on',
			timeZone: 'UTC'
		});
		expect(password.status).toBe(429);
		const words = /Too many attempts\. Please try again in \d+ minutes\./;
		expect(await password.text()).toMatch(words);
		expect(refusedWith).toMatch(words);

		// 21 callbacks so far; the password form's limit of sign-ins is 30 per 15 minutes.
		const outcomes: string[] = [];
		for (let more = 0; more < 10; more += 1) {
			const { next } = await googleRoundTrip(app, new HttpBrowser(), newGoogleAccount(google));
			outcomes.push(next.pathname + next.search);
		}
		expect(outcomes.slice(0, 9).every((to) => to === '/sign-in/google/new')).toBe(true);
		expect(outcomes[9]).toBe('/sign-in?google=too-many');
		expect(await (await fetch(`${app.origin}/sign-in?google=too-many`)).text()).toContain(
			'Too many attempts'
		);
	});

	describe('refuses an answer it cannot trust, with words of its own', () => {
		async function refused(next: URL, browser: HttpBrowser, words: string) {
			expect(browser.cookie(AUTH_COOKIE)).toBeUndefined();
			const page = await (await browser.request(next)).text();
			expect(page).toContain(words);
			expect(page).not.toContain('End-User');
		}

		it('another state', async () => {
			const browser = new HttpBrowser();
			const account = newGoogleAccount(google);
			const { next } = await googleRoundTrip(app, browser, account, {
				callback: (url) => {
					url.searchParams.set('state', 'forged-state');
					return url;
				}
			});
			expect(next.pathname + next.search).toBe('/sign-in?google=failed');
			await refused(next, browser, 'the answer could not be checked');
			expect(await userByEmail(account.email)).toBeUndefined();
		});

		it('another nonce', async () => {
			const browser = new HttpBrowser();
			const account = newGoogleAccount(google);
			const { next } = await googleRoundTrip(app, browser, account, {
				authorization: (url) => {
					url.searchParams.set('nonce', 'someone-elses-nonce');
					return url;
				}
			});
			expect(next.pathname + next.search).toBe('/sign-in?google=failed');
			await refused(next, browser, 'the answer could not be checked');
		});

		it('an answer naming another issuer', async () => {
			const browser = new HttpBrowser();
			const account = newGoogleAccount(google);
			const { next } = await googleRoundTrip(app, browser, account, {
				callback: (url) => {
					expect(url.searchParams.get('iss')).toBe(google.issuer);
					url.searchParams.set('iss', 'https://accounts.google.com');
					return url;
				}
			});
			expect(next.pathname + next.search).toBe('/sign-in?google=failed');
			await refused(next, browser, 'the answer could not be checked');
			expect(await userByEmail(account.email)).toBeUndefined();
		});

		it('a cancelled sign-in', async () => {
			const browser = new HttpBrowser();
			const { next, callback } = await googleRoundTrip(app, browser, newGoogleAccount(google), {
				cancel: true
			});
			expect(callback.searchParams.get('error')).toBe('access_denied');
			expect(next.pathname + next.search).toBe('/sign-in?google=cancelled');
			await refused(next, browser, 'Signing in with Google was cancelled.');
		});

		it('the same answer twice', async () => {
			const browser = new HttpBrowser();
			const { callback } = await googleRoundTrip(app, browser, newGoogleAccount(google));
			const replayed = await new HttpBrowser().request(callback);
			expect(location(replayed, app.origin).search).toBe('?google=expired');
			const again = await browser.request(callback);
			expect(location(again, app.origin).search).toBe('?google=expired');
		});
	});
});

describe('A Google-only account', () => {
	it('refuses a password sign-in with the words a wrong password gets', async () => {
		const { account } = await newGoogleUser();
		const api = await new TestBrowser(db).api();
		const attempt = (email: string, password: string) =>
			api.account.signIn({ email, password }).catch((error: unknown) => error);
		const googleOnly = await attempt(account.email, STRONG_PASSWORD);
		const wrong = await attempt((await signedUpPractitioner(db)).email, 'not the password 42');
		expect(googleOnly).toBeInstanceOf(TRPCError);
		expect((googleOnly as TRPCError).code).toBe('UNAUTHORIZED');
		expect((googleOnly as TRPCError).message).toBe((wrong as TRPCError).message);
	});

	it('cannot unlink Google until it has a password; then it can', async () => {
		const { browser, user, account } = await newGoogleUser();
		const api = await apiOf(browser);
		await expect(api.account.unlinkGoogle()).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
		expect(await identityOf(user.id)).toBeDefined();
		expect(await api.account.google()).toMatchObject({ linked: true, hasPassword: false });

		await expect(api.account.addPassword({ newPassword: 'short' })).rejects.toBeInstanceOf(
			TRPCError
		);
		await api.account.addPassword({ newPassword: STRONG_PASSWORD });
		expect(await eventsOf(user.id)).toContain('password_added');
		const subjects = async () => (await emailsTo(db, account.email)).map((e) => e.subject);
		expect(await subjects()).toContain('A password was added to your Sessionboard account');
		await expect(api.account.addPassword({ newPassword: STRONG_PASSWORD })).rejects.toMatchObject({
			code: 'CONFLICT'
		});
		await (
			await new TestBrowser(db).api()
		).account.signIn({
			email: account.email,
			password: STRONG_PASSWORD
		});

		await api.account.unlinkGoogle();
		expect(await identityOf(user.id)).toBeUndefined();
		expect(await eventsOf(user.id)).toContain('google_unlinked');
		expect(await subjects()).toContain('Google was unlinked from your Sessionboard account');
		// Unlinked: Google alone no longer signs in to it.
		const { next } = await googleRoundTrip(app, new HttpBrowser(), account);
		expect(next.search).toBe('?google=link');
	});

	it('gets a password through a password reset too, and keeps Google: Google proved the address', async () => {
		const { account, user } = await newGoogleUser();
		await sendPasswordReset(db, {
			email: account.email,
			origin: ORIGIN,
			ip: null,
			userAgent: null
		});
		const token = await tokenFromEmail(db, account.email, '/reset-password');
		await (
			await new TestBrowser(db).api()
		).account.resetPassword({ token, password: STRONG_PASSWORD });
		await (
			await new TestBrowser(db).api()
		).account.signIn({
			email: account.email,
			password: STRONG_PASSWORD
		});
		expect((await userByEmail(account.email))?.passwordHash).not.toBeNull();
		expect(await identityOf(user.id)).toBeDefined();
	});
});

describe('Linking Google from settings', () => {
	it('links the Google account to the signed-in one, unless it is linked elsewhere', async () => {
		const first = await newGoogleUser();
		const person = await signedUpPractitioner(db);
		const browser = new HttpBrowser();
		const signedIn = await browser.post(`${app.origin}/sign-in`, {
			email: person.email,
			password: person.password
		});
		expect(signedIn.status).toBe(303);

		const taken = await googleRoundTrip(app, browser, first.account, { link: true });
		expect(taken.next.pathname + taken.next.search).toBe('/settings?google=linked-elsewhere');
		expect(await identityOf(person.user.id)).toBeUndefined();

		const account = newGoogleAccount(google);
		const linked = await googleRoundTrip(app, browser, account, { link: true });
		expect(linked.next.pathname + linked.next.search).toBe('/settings?google=linked');
		expect((await identityOf(person.user.id))?.subject).toBe(account.sub);
		const settings = await (await browser.request(linked.next)).text();
		expect(settings).toContain('Google is linked');
		expect(settings).toContain('Unlink Google');
	});

	/** A browser signed in with the password of a new practitioner (confirmed email). */
	async function signedInBrowser() {
		const person = await signedUpPractitioner(db);
		const browser = new HttpBrowser();
		await browser.post(`${app.origin}/sign-in`, { email: person.email, password: person.password });
		expect(browser.cookie(AUTH_COOKIE)).toBeDefined();
		return { person, browser };
	}

	it('starts linking only from the settings page itself: no link or other site can', async () => {
		const { browser } = await signedInBrowser();
		const byLink = await browser.request(`${app.origin}/sign-in/google?link`);
		expect(location(byLink, app.origin).pathname).toBe('/dashboard');
		expect(browser.cookie('sb_google_flow')).toBeUndefined();

		// Another site's form, sent with the sign-in cookie as a browser would send it.
		const crossSite = await fetch(`${app.origin}/settings?/linkGoogle`, {
			method: 'POST',
			body: new URLSearchParams({}),
			headers: {
				origin: 'https://evil.example',
				cookie: `${AUTH_COOKIE}=${browser.cookie(AUTH_COOKIE)}`
			},
			redirect: 'manual'
		});
		expect(crossSite.status).toBe(403);
		expect(crossSite.headers.getSetCookie().join()).not.toContain('sb_google_flow');

		const page = await (await browser.request(`${app.origin}/settings`)).text();
		expect(page).toContain('action="?/linkGoogle"');
	});

	it('links only to the account that asked, even when the browser signed in as another meanwhile', async () => {
		const asker = await signedInBrowser();
		const other = await signedInBrowser();
		const { browser } = asker;
		const account = newGoogleAccount(google);
		const { next } = await googleRoundTrip(app, browser, account, {
			link: true,
			meanwhile: () => {
				browser.cookies.find((c) => c.name === AUTH_COOKIE)!.value =
					other.browser.cookie(AUTH_COOKIE)!;
			}
		});
		expect(next.pathname + next.search).toBe('/settings?google=expired');
		expect(await identityOf(asker.person.user.id)).toBeUndefined();
		expect(await identityOf(other.person.user.id)).toBeUndefined();
	});

	it('refuses a flow cookie changed in the browser: it leads nowhere else', async () => {
		const { account } = await newGoogleUser();
		const browser = new HttpBrowser();
		const { response, next } = await googleRoundTrip(app, browser, account, {
			meanwhile: () => {
				const cookie = browser.cookies.find((c) => c.name === 'sb_google_flow')!;
				const [value, signature] = cookie.value.split('.');
				const flow = JSON.parse(Buffer.from(value!, 'base64url').toString());
				flow.redirectTo = 'https://evil.example/phish';
				cookie.value = `${Buffer.from(JSON.stringify(flow)).toString('base64url')}.${signature}`;
			}
		});
		expect(response.headers.get('location')).not.toContain('evil.example');
		expect(next.pathname + next.search).toBe('/sign-in?google=expired');
		expect(browser.cookie(AUTH_COOKIE)).toBeUndefined();
	});

	it('links nothing to an account whose email is not confirmed yet, and says why', async () => {
		const email = `not-yet-${Date.now()}@example.org`;
		const browser = new HttpBrowser();
		await browser.post(`${app.origin}/sign-up`, {
			name: 'Not Yet',
			email,
			password: STRONG_PASSWORD,
			ageConfirmed: 'on',
			timeZone: 'UTC'
		});
		const signedIn = await browser.post(`${app.origin}/sign-in`, {
			email,
			password: STRONG_PASSWORD
		});
		expect(browser.cookie(AUTH_COOKIE), String(signedIn.status)).toBeDefined();
		const user = (await userByEmail(email))!;
		expect(user.emailVerifiedAt).toBeNull();
		const page = await (await browser.request(`${app.origin}/settings`)).text();
		expect(page).toContain('To link Google, confirm your email address first');

		const refused = await googleRoundTrip(app, browser, newGoogleAccount(google), {
			link: true
		});
		expect(refused.next.pathname + refused.next.search).toBe('/settings?google=unconfirmed');
		expect(await identityOf(user.id)).toBeUndefined();
		expect(await (await browser.request(refused.next)).text()).toContain(
			'Confirm your email address first'
		);
	});
});

describe('Account data', () => {
	it('exports the Google link and picture without secrets, and not the pending sign-ins', async () => {
		const tables = new Map((await ownedTables(db)).map((table) => [table.name, table]));
		expect(tables.get('google_identities')?.columns.sort()).toEqual(
			['linked_at', 'subject', 'user_id'].sort()
		);
		expect(tables.get('user_pictures')?.columns).toContain('bytes');
		expect(tables.has('google_pending_sign_ins')).toBe(false);
	});
});
