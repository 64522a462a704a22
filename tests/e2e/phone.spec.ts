import { join } from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { AppShell, NAV_LABELS } from './pages/app-shell';
import { SettingsPage } from './pages/settings';
import { newAccount, signUpAndConfirm } from './support/accounts';
import { seriousViolations } from './support/axe';
import { sidewaysOverflow, transitionsSettled } from './support/layout';
import { SHOTS_DIR } from './support/shots';
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

	test('the busiest places are in a bottom bar, the rest behind More, reachable by keyboard, nothing off-screen', async ({
		page
	}) => {
		await signUpAndConfirm(page, newAccount('phone'));
		const shell = new AppShell(page);
		const bar = await shell.nav.getByRole('link').all();
		expect(bar.length, 'links in the bar beside More').toBe(4);
		await expect(shell.navLink('Dashboard')).toBeVisible();
		await expect(shell.navLink('Settings'), 'behind More').toBeHidden();
		await expect(shell.moreButton).toHaveAttribute('aria-expanded', 'false');
		await expect(shell.moreButton).toHaveAttribute('aria-controls', 'more-menu');
		for (const target of [...bar, shell.moreButton]) {
			const label = await target.innerText();
			expect(await fullyOnScreen(page, target), `${label} is wholly on screen`).toBe(true);
			const box = (await target.boundingBox())!;
			expect(box.height, `${label} is finger-sized`).toBeGreaterThanOrEqual(44);
			expect(box.y + box.height, `${label} is at the bottom`).toBeGreaterThan(PHONE.height - 8);
		}
		expect(await sidewaysOverflow(page), 'sideways overflow, menu closed').toBeLessThanOrEqual(0);

		// The page's end scrolls clear of the bar, so nothing hides under it.
		await page.goto('/settings');
		await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
		const barTop = (await shell.nav.boundingBox())!.y;
		const lastSection = page.locator('main section').last();
		await expect(lastSection).toBeInViewport();
		const section = (await lastSection.boundingBox())!;
		expect(section.y + section.height, 'the last section ends above the bar').toBeLessThanOrEqual(
			barTop
		);

		await shell.moreButton.focus();
		await page.keyboard.press('Enter');
		await expect(shell.moreButton).toHaveAttribute('aria-expanded', 'true');
		// Every entry the navigation has, including any added after this test was written.
		const behindMore = await shell.moreMenu.getByRole('link').all();
		const links = await shell.nav.getByRole('link').all();
		expect(links.length).toBeGreaterThanOrEqual(NAV_LABELS.length);
		for (const target of [...links, shell.signOutButton]) {
			const label = await target.innerText();
			expect(await fullyOnScreen(page, target), `${label} is wholly on screen`).toBe(true);
		}
		expect(await sidewaysOverflow(page), 'sideways overflow, menu open').toBeLessThanOrEqual(0);
		for (const colorScheme of ['light', 'dark'] as const) {
			await page.emulateMedia({ colorScheme });
			await transitionsSettled(page);
			expect.soft(await seriousViolations(page), `the open menu, ${colorScheme}`).toEqual([]);
			if (SHOTS_DIR) {
				await page.screenshot({ path: join(SHOTS_DIR, `phone-more-menu-${colorScheme}.png`) });
			}
		}

		// Tab walks from the button through the menu's links in order, then to Sign out.
		for (const link of [...behindMore, shell.signOutButton]) {
			await page.keyboard.press('Tab');
			await expect(link).toBeFocused();
		}
		await page.keyboard.press('Escape');
		await expect(shell.moreButton).toHaveAttribute('aria-expanded', 'false');
		await expect(shell.moreButton).toBeFocused();

		// A tap outside closes it too.
		await shell.moreButton.tap();
		await expect(shell.moreMenu).toBeVisible();
		await page.getByRole('heading', { level: 1 }).tap();
		await expect(shell.moreMenu).toBeHidden();

		await shell.moreButton.tap();
		await shell.navLink('Series').tap();
		await expect(page).toHaveURL(/\/series$/);
		await expect(shell.moreButton, 'the menu closes on arrival').toHaveAttribute(
			'aria-expanded',
			'false'
		);
		await shell.navLink('Today').tap();
		await expect(page).toHaveURL(/\/today$/);
		await expect(shell.navLink('Today')).toHaveAttribute('aria-current', 'page');
	});

	test('every page in the navigation has no serious or critical violations and fits the width', async ({
		page
	}) => {
		test.setTimeout(120_000);
		await signUpAndConfirm(page, newAccount('phone-axe'));
		const shell = new AppShell(page);
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
