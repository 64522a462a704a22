import { expect, test, type Locator, type Page } from '@playwright/test';
import { AppShell, NAV_LABELS } from './pages/app-shell';
import { SettingsPage } from './pages/settings';
import { newAccount, signUpAndConfirm } from './support/accounts';
import { seriousViolations } from './support/axe';
import { sidewaysOverflow } from './support/layout';
import { createClient, createSession, isoDate, uniqueName } from './support/practice';

const PHONE = { width: 390, height: 844 };

/** Whether the whole box is inside the window, not only a sliver of it. */
async function fullyOnScreen(page: Page, target: Locator): Promise<boolean> {
	const box = await target.boundingBox();
	const { width, height } = page.viewportSize()!;
	return (
		box !== null &&
		box.x >= 0 &&
		box.y >= 0 &&
		box.x + box.width <= width &&
		box.y + box.height <= height
	);
}

test.describe('Phone, 390×844', () => {
	test.use({ viewport: PHONE, hasTouch: true });

	test('the navigation is a labelled menu button, reachable by keyboard, with nothing off-screen', async ({
		page
	}) => {
		await signUpAndConfirm(page, newAccount('phone'));
		const shell = new AppShell(page);
		await expect(shell.menuButton).toHaveAttribute('aria-expanded', 'false');
		await expect(shell.menuButton).toHaveAttribute('aria-controls', 'main-nav');
		await expect(shell.navLink('Dashboard')).toBeHidden();
		expect(await fullyOnScreen(page, shell.menuButton), 'the Menu button').toBe(true);
		expect(await sidewaysOverflow(page), 'sideways overflow, menu closed').toBeLessThanOrEqual(0);

		await shell.menuButton.focus();
		await page.keyboard.press('Enter');
		await expect(shell.menuButton).toHaveAttribute('aria-expanded', 'true');
		// Every entry the navigation has, including any added after this test was written.
		const links = await shell.nav.getByRole('link').all();
		expect(links.length).toBeGreaterThanOrEqual(NAV_LABELS.length);
		for (const target of [...links, shell.signOutButton]) {
			const label = await target.innerText();
			expect(await fullyOnScreen(page, target), `${label} is wholly on screen`).toBe(true);
		}
		expect(await sidewaysOverflow(page), 'sideways overflow, menu open').toBeLessThanOrEqual(0);
		expect.soft(await seriousViolations(page), 'the open menu').toEqual([]);

		// Tab walks from the button through the links in order.
		for (const link of links) {
			await page.keyboard.press('Tab');
			await expect(link).toBeFocused();
		}
		await page.keyboard.press('Escape');
		await expect(shell.menuButton).toHaveAttribute('aria-expanded', 'false');
		await expect(shell.menuButton).toBeFocused();

		await shell.menuButton.tap();
		await shell.navLink('Settings').tap();
		await expect(page).toHaveURL(/\/settings$/);
		await expect(shell.menuButton, 'the menu closes on arrival').toHaveAttribute(
			'aria-expanded',
			'false'
		);
	});

	test('every page in the navigation has no serious or critical violations and fits the width', async ({
		page
	}) => {
		test.setTimeout(120_000);
		await signUpAndConfirm(page, newAccount('phone-axe'));
		const shell = new AppShell(page);
		await shell.menuButton.click();
		await shell.visitEachNavigationPage(async (path) => {
			expect.soft(await seriousViolations(page), path).toEqual([]);
			expect
				.soft(await sidewaysOverflow(page), `sideways overflow on ${path}`)
				.toBeLessThanOrEqual(0);
		});
	});
});

test.describe('Desktop, 1280×800', () => {
	test('the sidebar runs the full height of a long page and stays in view', async ({ page }) => {
		await signUpAndConfirm(page, newAccount('sidebar'));
		const shell = new AppShell(page);
		await page.setViewportSize({ width: 1280, height: 400 });
		await page.goto('/settings');
		const header = page.locator('header').filter({ has: shell.nav });
		const [pageHeight, headerHeight] = await Promise.all([
			page.evaluate(() => document.documentElement.scrollHeight),
			header.evaluate((element) => element.getBoundingClientRect().height)
		]);
		expect(pageHeight, 'the page is longer than the window').toBeGreaterThan(400);
		expect(headerHeight).toBe(pageHeight);
		await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
		await expect(shell.navLink('Dashboard')).toBeInViewport();
	});

	test("pages write dates in the practitioner's chosen format and clock", async ({ page }) => {
		await signUpAndConfirm(page, newAccount('dates'));
		const client = await createClient(page.request, { name: uniqueName('Dana') });
		const sessionId = await createSession(page.request, {
			clientId: client.id,
			date: isoDate(3),
			startTime: '18:30',
			timeZone: 'America/New_York'
		});
		const settings = new SettingsPage(page);
		await settings.goto();
		await settings.chooseDateFormat('en-US', '12');
		await page.goto(`/sessions/${sessionId}`);
		// The session's zone is not the practitioner's (UTC), so it is named.
		await expect(page.getByText(/6:30\s?–\s?7:20\sPM \(America\/New_York\)/)).toBeVisible();
		await settings.goto();
		await settings.chooseDateFormat('en-GB', '24');
		await page.goto(`/sessions/${sessionId}`);
		await expect(page.getByText(/18:30\s?–\s?19:20 \(America\/New_York\)/)).toBeVisible();
	});
});
