import { expect, test } from '@playwright/test';
import { AppShell } from './pages/app-shell';
import { newAccount, signUpAndConfirm } from './support/accounts';
import { seriousViolations } from './support/axe';

test.describe('Accessibility (axe)', () => {
	test('the pages before signing in have no serious or critical violations', async ({ page }) => {
		for (const path of ['/sign-up', '/sign-in', '/forgot-password']) {
			await page.goto(path);
			await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
			expect.soft(await seriousViolations(page), path).toEqual([]);
		}
	});

	test('every page in the navigation has no serious or critical violations', async ({ page }) => {
		// Six pages, each waiting for its live connection and an axe scan: about 25 s on an idle
		// machine, and more than twice that on a CI machine sharing its cores with the other worker.
		test.setTimeout(120_000);
		await signUpAndConfirm(page, newAccount('axe'));
		const shell = new AppShell(page);
		// The dashboard, Settings, and whichever pages are still "Not built yet", which share one
		// placeholder.
		await shell.visitEachNavigationPage(async (path) => {
			expect.soft(await seriousViolations(page), path).toEqual([]);
		});
	});
});
