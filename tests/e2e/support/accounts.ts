import { randomBytes } from 'node:crypto';
import { expect, type Cookie, type Page } from '@playwright/test';
import { AppShell } from '../pages/app-shell';
import { Outbox } from '../pages/outbox';
import { SignUpPage } from '../pages/sign-up';

export type Account = { name: string; email: string; password: string };

/** Strong enough for the app's rule (zxcvbn score 3 or more) and unrelated to any name or email. */
export const PASSWORD = 'violet canyon teapot 42';

/** The sign-in cookie's name, from src/lib/server/auth/session.ts. */
export const AUTH_COOKIE = 'sb_auth';

/**
 * A new person each call: tests run in parallel against one database, and the rate limits count
 * per email as well as per IP, so no two tests may share an address.
 */
export function newAccount(label: string, name = 'Robin Example'): Account {
	const unique = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
	return { name, email: `${label}-${unique}@example.com`, password: PASSWORD };
}

export function authCookie(cookies: Cookie[]): Cookie | undefined {
	return cookies.find((cookie) => cookie.name === AUTH_COOKIE);
}

/**
 * Signs up through the form and confirms from the emailed link, which signs this browser in.
 * The browser gets a network address of its own first (the test server trusts X-Forwarded-For,
 * see serve.sh): like people on their own devices, the suite's many sign-ups then do not all
 * count against one address's hourly sign-up limit.
 */
export async function signUpAndConfirm(page: Page, account: Account): Promise<void> {
	const [a, b, c] = randomBytes(3);
	await page.context().setExtraHTTPHeaders({ 'x-forwarded-for': `10.${a}.${b}.${c}` });
	const signUp = new SignUpPage(page);
	await signUp.goto();
	await signUp.signUp(account);
	await expect(signUp.checkYourEmail).toBeVisible();

	await new Outbox(page).openLink(account.email, '/verify-email');
	await page.getByRole('button', { name: 'Confirm my email' }).click();
	await expect(page).toHaveURL(/\/dashboard\?verified=1$/);
	await new AppShell(page).expectSignedInAs(account.name);
}
