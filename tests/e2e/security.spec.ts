import { statSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { expect, test } from '@playwright/test';
import { AppShell } from './pages/app-shell';
import { OUTBOX_KEY_FILE, outboxAddress } from './pages/outbox';
import { SignInPage } from './pages/sign-in';
import { authCookie, newAccount, signUpAndConfirm } from './support/accounts';

const STRICT_REFERRER_POLICIES = [
	'no-referrer',
	'same-origin',
	'strict-origin',
	'strict-origin-when-cross-origin'
];

/**
 * This machine's address on its network, as a tablet beside it would open the app. Not loopback:
 * Chromium treats http://localhost and 127.0.0.1 as secure, so a Secure cookie would work there.
 */
function networkAddress(): string {
	const address = Object.values(networkInterfaces())
		.flat()
		.find((candidate) => candidate?.family === 'IPv4' && !candidate.internal)?.address;
	if (!address) throw new Error('This test needs a network interface other than loopback.');
	return address;
}

test.describe('Headers and cookies', () => {
	test('pages forbid framing and set a strict referrer policy; the sign-in cookie is HttpOnly and SameSite=Lax', async ({
		page,
		context
	}) => {
		const signInPage = await page.goto('/sign-in');
		const account = newAccount('headers');
		await signUpAndConfirm(page, account);
		const dashboard = await page.goto('/dashboard');

		for (const [path, response] of [
			['/sign-in', signInPage],
			['/dashboard', dashboard]
		] as const) {
			expect(response?.url(), path).toMatch(new RegExp(`${path}$`));
			const headers = response?.headers() ?? {};
			expect(headers['content-security-policy'], path).toContain("frame-ancestors 'none'");
			expect(STRICT_REFERRER_POLICIES, path).toContain(headers['referrer-policy']);
		}

		const cookie = authCookie(await context.cookies());
		expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
		// HttpOnly in practice: the page's own scripts cannot read it.
		expect(await page.evaluate(() => document.cookie)).not.toContain(cookie?.name ?? 'missing');
	});

	test('without ORIGIN, signing in works at another address of the machine over plain HTTP, as from a tablet', async ({
		page,
		context,
		baseURL
	}) => {
		const account = newAccount('tablet');
		await signUpAndConfirm(page, account);
		await new AppShell(page).signOut();

		const tablet = baseURL!.replace('//localhost:', `//${networkAddress()}:`);
		await page.goto(`${tablet}/sign-in`);
		await new SignInPage(page).signIn(account.email, account.password);
		await expect(page).toHaveURL(`${tablet}/dashboard`);
		await new AppShell(page).expectSignedInAs(account.name);
		// Over plain HTTP the cookie cannot be Secure, or the browser would drop it.
		expect(authCookie(await context.cookies(tablet))).toMatchObject({
			httpOnly: true,
			secure: false
		});
	});
});

test.describe('Production mode', () => {
	test('the app started without NODE_ENV sends no stack traces to the browser', async ({
		request
	}) => {
		const response = await request.get('/api/trpc/account.me');
		expect(response.status()).toBe(401);
		const body = await response.text();
		expect(body).toContain('Please sign in.');
		expect(body).not.toContain('stack');
		expect(body).not.toMatch(/\.[jt]s:\d+/);
	});
});

test.describe('The local outbox', () => {
	test('opens only with the key the app wrote at start, which then lives in a cookie for the outbox alone', async ({
		page,
		context,
		playwright,
		baseURL
	}) => {
		// A stranger has no key, or a wrong one.
		const stranger = await playwright.request.newContext({ baseURL });
		for (const address of [
			'/dev/outbox',
			'/dev/outbox?key=',
			'/dev/outbox?key=wrong',
			`${outboxAddress()}x`
		]) {
			const response = await stranger.get(address, { maxRedirects: 0 });
			expect(response.status(), address).toBe(403);
			expect(await response.text(), address).not.toContain('outbox-email');
		}
		await stranger.dispose();

		// Only the user who started the app may read the key.
		expect(statSync(OUTBOX_KEY_FILE).mode & 0o777).toBe(0o600);

		await page.goto(outboxAddress());
		// The key leaves the address, so it stays out of the history and of Referer headers.
		await expect(page).toHaveURL(/\/dev\/outbox$/);
		await expect(page.getByRole('heading', { name: 'Local outbox', level: 1 })).toBeVisible();
		const cookie = (await context.cookies()).find(({ name }) => name === 'sb_outbox');
		expect(cookie).toMatchObject({
			path: '/dev/outbox',
			httpOnly: true,
			sameSite: 'Strict'
		});
		expect((await page.goto('/dev/outbox'))?.status()).toBe(200);
		await expect(page.getByRole('heading', { name: 'Local outbox', level: 1 })).toBeVisible();
	});
});
