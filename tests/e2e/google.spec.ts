import { expect, test } from '@playwright/test';
import { AppShell } from './pages/app-shell';
import { expectAccessibleAtBothSizes } from './support/axe';
import { fakeGoogle } from './support/fake-google';

test.describe('Google sign-in', () => {
	test('a newcomer signs in with Google through the test provider, confirms their age once and sees their picture', async ({
		page,
		baseURL
	}) => {
		const stamp = `${Date.now()}`;
		const name = `Grace Google ${stamp.slice(-4)}`;
		await page.goto('/sign-in');
		const google = page.getByRole('link', { name: 'Sign in with Google' });
		await expect(google).toBeVisible();
		await expectAccessibleAtBothSizes(page, 'google-sign-in');

		await google.click();
		await expect(page).toHaveURL(new RegExp(`^${fakeGoogle.issuer}/interaction/`));
		await page.getByLabel('Subject (sub)').fill(`e2e-${stamp}`);
		await page.getByLabel('Email', { exact: true }).fill(`grace-${stamp}@gmail.example`);
		await page.getByLabel('Name').fill(name);

		// From here on every request the browser makes is to the app: nothing of Google's is loaded.
		const elsewhere: string[] = [];
		page.on('request', (request) => {
			if (!request.url().startsWith(baseURL!)) elsewhere.push(request.url());
		});
		await page.getByRole('button', { name: 'Continue as this account' }).click();
		await expect(page).toHaveURL(/\/sign-in\/google\/new$/);
		elsewhere.length = 0;
		await expect(page.getByRole('heading', { name: 'Create your account' })).toBeVisible();
		await expect(page.getByText(name)).toBeVisible();
		await expectAccessibleAtBothSizes(page, 'google-age-step');

		await page.getByRole('button', { name: 'Create account' }).click();
		await expect(page.getByText('Sessionboard is only for people aged 16 or older.')).toBeVisible();
		await page.getByLabel('I am 16 or older').check();
		await page.getByRole('button', { name: 'Create account' }).click();
		await expect(page).toHaveURL(/\/dashboard$/);
		await new AppShell(page).expectSignedInAs(name);

		const picture = page.getByTestId('user-picture');
		await expect(picture).toHaveAttribute('src', '/account/picture');
		await expect
			.poll(() => picture.evaluate((image: HTMLImageElement) => image.naturalWidth))
			.toBeGreaterThan(0);
		await expectAccessibleAtBothSizes(page, 'google-dashboard');
		expect(elsewhere).toEqual([]);

		// Deleting the account is confirmed with a password, which it does not have yet.
		await page.goto('/settings/data');
		await expect(page.getByText('Deleting is confirmed with your password')).toBeVisible();
		await expect(page.getByRole('button', { name: /Delete my account/ })).toHaveCount(0);

		await page.goto('/settings');
		const section = page.getByTestId('google-settings');
		await section.scrollIntoViewIfNeeded();
		await expect(section).toContainText('Linked.');
		await expect(section).toContainText('add a password first');
		await expect(page.getByRole('button', { name: 'Add password' })).toBeVisible();
		await expectAccessibleAtBothSizes(page, 'google-settings');

		// A password first, then Google can go: the account keeps a way in.
		await page.getByLabel('New password').fill('violet canyon teapot 42');
		await page.getByRole('button', { name: 'Add password' }).click();
		await expect(page.getByText('Password added: you can sign in with it too.')).toBeVisible();
		await section.getByRole('button', { name: 'Unlink Google' }).click();
		await page
			.getByRole('dialog', { name: 'Unlink Google?' })
			.getByRole('button', { name: 'Unlink Google' })
			.click();
		await expect(section.getByText('Google is unlinked.')).toBeVisible();
		await expect(section.getByRole('button', { name: 'Link Google' })).toBeVisible();

		// Linked again from settings: the button's form leads on to the provider (which, like
		// Google, still knows this person and asks nothing) and back, past the CSP's form-action.
		await section.getByRole('button', { name: 'Link Google' }).click();
		await expect(page).toHaveURL(/\/settings\?google=linked$/);
		await expect(page.getByTestId('google-settings')).toContainText('Google is linked');
	});
});
