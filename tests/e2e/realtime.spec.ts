import { expect, test } from '@playwright/test';
import { AppShell } from './pages/app-shell';
import { SettingsPage } from './pages/settings';
import { SignInPage } from './pages/sign-in';
import { newAccount, signUpAndConfirm } from './support/accounts';
import { createClient, uniqueName, updateClient } from './support/practice';
import { expectSameDocument, markDocument } from './support/realtime';

test.describe('Live updates', () => {
	test('signing out of all other devices sends the other browser to the sign-in page at once', async ({
		browser,
		baseURL
	}) => {
		const desktop = await browser.newContext({ baseURL, viewport: { width: 1280, height: 800 } });
		const tablet = await browser.newContext({
			baseURL,
			viewport: { width: 820, height: 1180 },
			hasTouch: true
		});
		try {
			const first = await desktop.newPage();
			const second = await tablet.newPage();
			const account = newAccount('sign-out-all');
			await signUpAndConfirm(first, account);
			await new SignInPage(second).goto();
			await new SignInPage(second).signIn(account.email, account.password);
			await expect(second).toHaveURL(/\/dashboard$/);

			const settings = new SettingsPage(first);
			await settings.goto();
			const firstShell = new AppShell(first);
			const secondShell = new AppShell(second);
			await firstShell.expectLive();
			await secondShell.expectLive();

			await settings.signOutOtherDevices(1);

			// Nothing here touches the second browser: only the server's event can move it.
			await expect(second).toHaveURL(/\/sign-in\?reason=signed-out$/, { timeout: 5_000 });
			await expect(new SignInPage(second).signedOutNotice).toBeVisible();
			await second.goto('/dashboard');
			await expect(second).toHaveURL(/\/sign-in\?redirectTo=/);

			await first.reload();
			await expect(first).toHaveURL(/\/settings$/);
			await firstShell.expectSignedInAs(account.name);
			await firstShell.expectLive();
		} finally {
			await desktop.close();
			await tablet.close();
		}
	});

	test('a name changed in Settings shows in the other open tab without a reload', async ({
		page,
		context
	}) => {
		const account = newAccount('rename');
		await signUpAndConfirm(page, account);

		const other = await context.newPage();
		await other.goto('/dashboard');
		const otherShell = new AppShell(other);
		await otherShell.expectSignedInAs(account.name);
		await otherShell.expectLive();
		// A reload would start a new document and lose this mark.
		await other.evaluate(() => (document.documentElement.dataset.e2eMark = 'same document'));

		const settings = new SettingsPage(page);
		await settings.goto();
		await settings.changeName('Robin Renamed');
		await new AppShell(page).expectSignedInAs('Robin Renamed');

		await otherShell.expectSignedInAs('Robin Renamed');
		expect(await other.evaluate(() => document.documentElement.dataset.e2eMark)).toBe(
			'same document'
		);
	});

	test('a page reloaded live keeps what is being typed in its form, and refreshes a form nobody touched', async ({
		page,
		context
	}) => {
		const account = newAccount('live-form');
		await signUpAndConfirm(page, account);
		const typedIn = await createClient(context.request, { name: uniqueName('Tess Typed') });
		const untouched = await createClient(context.request, { name: uniqueName('Uma Untouched') });

		await page.goto(`/clients/${typedIn.id}/edit`);
		const other = await context.newPage();
		await other.goto(`/clients/${untouched.id}/edit`);
		for (const tab of [page, other]) {
			await new AppShell(tab).expectLive();
			await markDocument(tab);
		}
		await page.getByLabel('Notes (optional)').fill('Half a sentence, not saved yet');
		const renamed = uniqueName('Uma Renamed');
		await updateClient(context.request, untouched.id, { name: renamed });

		// A profile change reloads every open page's data in place.
		const settingsTab = await context.newPage();
		const settings = new SettingsPage(settingsTab);
		await settings.goto();
		await settings.changeName('Robin Elsewhere');
		for (const tab of [page, other]) {
			await new AppShell(tab).expectSignedInAs('Robin Elsewhere');
			await expectSameDocument(tab);
		}

		await expect(page.getByLabel('Notes (optional)')).toHaveValue('Half a sentence, not saved yet');
		await expect(page.getByLabel('Name', { exact: true })).toHaveValue(typedIn.name);
		await expect(other.getByLabel('Name', { exact: true })).toHaveValue(renamed);
	});
});
