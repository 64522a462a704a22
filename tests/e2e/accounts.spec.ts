import { expect, test } from '@playwright/test';
import { AppShell } from './pages/app-shell';
import { Outbox } from './pages/outbox';
import { ForgotPasswordPage, ResetPasswordPage } from './pages/password-reset';
import { SignInPage } from './pages/sign-in';
import { SignUpPage } from './pages/sign-up';
import { authCookie, newAccount, signUpAndConfirm } from './support/accounts';

test.describe('Accounts', () => {
	test('a newcomer signs up, confirms from the emailed link, signs out and signs in again', async ({
		page
	}) => {
		const account = newAccount('newcomer');
		const signUp = new SignUpPage(page);
		await signUp.goto();
		await signUp.signUp(account);
		await expect(signUp.checkYourEmail).toBeVisible();
		await expect(page.getByRole('status')).toContainText(
			`We sent a confirmation link to ${account.email}`
		);

		await new Outbox(page).openLink(account.email, '/verify-email');
		await page.getByRole('button', { name: 'Confirm my email' }).click();
		await expect(page).toHaveURL(/\/dashboard\?verified=1$/);
		await expect(page.getByRole('status').filter({ hasText: /^Your email/ })).toHaveText(
			'Your email is confirmed. Welcome!'
		);
		const shell = new AppShell(page);
		await shell.expectSignedInAs(account.name);

		await shell.signOut();
		await page.goto('/dashboard');
		await expect(page).toHaveURL(/\/sign-in\?redirectTo=%2Fdashboard$/);

		await new SignInPage(page).signIn(account.email, account.password);
		await expect(page).toHaveURL(/\/dashboard$/);
		await shell.expectSignedInAs(account.name);
	});

	test('a wrong password is refused on the sign-in page, in the same words as an unknown email', async ({
		page,
		context
	}) => {
		const account = newAccount('wrong-password');
		await signUpAndConfirm(page, account);
		await new AppShell(page).signOut();

		const signIn = new SignInPage(page);
		await signIn.signIn(account.email, 'not my password at all 7');
		await expect(signIn.wrongCredentials).toBeVisible();
		await expect(page).toHaveURL(/\/sign-in$/);
		await expect(page.getByLabel('Password', { exact: true })).toHaveValue('');
		expect(authCookie(await context.cookies())).toBeUndefined();

		await signIn.goto();
		await signIn.signIn(newAccount('nobody').email, account.password);
		await expect(signIn.wrongCredentials).toBeVisible();
		await expect(page).toHaveURL(/\/sign-in$/);
		expect(authCookie(await context.cookies())).toBeUndefined();
	});

	test('a forgotten password is reset from the emailed link, which works only once', async ({
		page,
		context
	}) => {
		const account = newAccount('reset');
		const newPassword = 'harbor lantern quietly 77';
		await signUpAndConfirm(page, account);
		const shell = new AppShell(page);
		await shell.signOut();

		await page.getByRole('link', { name: 'Forgot your password?' }).click();
		await expect(page).toHaveURL(/\/forgot-password$/);
		await new ForgotPasswordPage(page).requestLink(account.email);
		const resetLink = await new Outbox(page).linkAddress(account.email, '/reset-password');

		await page.goto(resetLink);
		const reset = new ResetPasswordPage(page);
		await reset.choosePassword(newPassword);
		await expect(page).toHaveURL(/\/dashboard$/);
		await shell.expectSignedInAs(account.name);
		await shell.signOut();

		const signIn = new SignInPage(page);
		await signIn.signIn(account.email, account.password);
		await expect(signIn.wrongCredentials).toBeVisible();
		await signIn.signIn(account.email, newPassword);
		await expect(page).toHaveURL(/\/dashboard$/);
		await shell.expectSignedInAs(account.name);
		await shell.signOut();

		await page.goto(resetLink);
		await reset.choosePassword('another fresh password 31');
		await expect(reset.linkRefused).toBeVisible();
		await expect(page).toHaveURL(/\/reset-password\?token=/);
		expect(authCookie(await context.cookies())).toBeUndefined();
	});
});
