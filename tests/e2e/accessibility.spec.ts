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
		// placeholder; the navigation's own list, so pages added later are checked too.
		const links = await shell.nav.getByRole('link').all();
		const paths = await Promise.all(
			links.map(async (link) => (await link.getAttribute('href')) ?? '')
		);
		expect(paths).toEqual(expect.arrayContaining(['/dashboard', '/settings']));
		expect(paths, 'every navigation link has an address').not.toContain('');
		for (const path of paths) {
			// A step a page, so a run that runs out of time names the page it was on.
			await test.step(path, async () => {
				const response = await page.goto(path);
				expect(response?.status(), `status of ${path}`).toBe(200);
				await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
				await shell.expectLive();
				expect.soft(await seriousViolations(page), path).toEqual([]);
			});
		}
	});
});
