import { expect, test } from '@playwright/test';
import { authCookie, newAccount, signUpAndConfirm } from './support/accounts';

const STRICT_REFERRER_POLICIES = [
	'no-referrer',
	'same-origin',
	'strict-origin',
	'strict-origin-when-cross-origin'
];

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
});
