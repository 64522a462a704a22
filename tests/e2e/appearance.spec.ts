import { expect, test, type Page } from '@playwright/test';
import { AppShell } from './pages/app-shell';
import { SettingsPage } from './pages/settings';
import { newAccount, signUpAndConfirm } from './support/accounts';

/** The <html> tag exactly as the server sends it, before any script of the page runs. */
async function servedHtmlTag(page: Page, path: string): Promise<string> {
	const response = await page.request.get(path);
	expect(response.status()).toBe(200);
	return (await response.text()).match(/<html[^>]*>/)![0];
}

const canvas = (page: Page) =>
	page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);

test.describe('Appearance', () => {
	test('a visitor and a new practitioner follow the device: the server names no scheme', async ({
		page
	}) => {
		expect(await servedHtmlTag(page, '/sign-in')).toBe('<html lang="en">');
		await signUpAndConfirm(page, newAccount('scheme-system'));
		expect(await servedHtmlTag(page, '/dashboard')).toBe('<html lang="en">');
		await page.emulateMedia({ colorScheme: 'dark' });
		const dark = await canvas(page);
		await page.emulateMedia({ colorScheme: 'light' });
		expect(await canvas(page), 'the page follows the device').not.toBe(dark);
	});

	test('Dark chosen in Settings applies at once, is rendered by the server on every page, and System undoes it', async ({
		page
	}) => {
		await page.emulateMedia({ colorScheme: 'light' });
		await signUpAndConfirm(page, newAccount('scheme-dark'));
		const light = await canvas(page);
		const settings = new SettingsPage(page);
		await settings.goto();
		await expect(settings.colorScheme('System')).toBeChecked();
		// Another tab of the same person, open on another page.
		const otherTab = await page.context().newPage();
		await otherTab.emulateMedia({ colorScheme: 'light' });
		await otherTab.goto('/clients');
		await new AppShell(otherTab).expectLive();

		await settings.chooseColorScheme('Dark');
		await expect(page.locator('html'), 'at once, without a reload').toHaveAttribute(
			'data-theme',
			'dark'
		);
		expect(await canvas(page)).not.toBe(light);
		await expect(otherTab.locator('html'), 'the other tab, live').toHaveAttribute(
			'data-theme',
			'dark'
		);
		await otherTab.close();
		// In the HTML itself, so a page never shows the device's scheme first (no flash).
		expect(await servedHtmlTag(page, '/dashboard')).toBe('<html lang="en" data-theme="dark">');
		expect(await servedHtmlTag(page, '/settings')).toBe('<html lang="en" data-theme="dark">');
		await page.reload();
		await expect(settings.colorScheme('Dark')).toBeChecked();

		await settings.chooseColorScheme('Light');
		await page.emulateMedia({ colorScheme: 'dark' });
		await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
		expect(await canvas(page), 'light on a dark device').toBe(light);

		await settings.chooseColorScheme('System');
		await expect(page.locator('html')).not.toHaveAttribute('data-theme', /.*/);
		expect(await canvas(page), 'the dark device again').not.toBe(light);
		expect(await servedHtmlTag(page, '/dashboard')).toBe('<html lang="en">');
	});
});
