import { join } from 'node:path';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { AppShell } from './pages/app-shell';
import { seriousViolations } from './support/axe';
import { APP_PAGES, PUBLIC_PAGES, setUpPractice, type Practice } from './support/every-page';
import { sidewaysOverflow, transitionsSettled } from './support/layout';
import { SHOTS_DIR } from './support/shots';

/** The three sizes every page is made for: a phone, a tablet upright, a laptop. */
const SIZES = [
	{ name: 'phone', width: 390, height: 844 },
	{ name: 'tablet', width: 820, height: 1180 },
	{ name: 'desktop', width: 1280, height: 800 }
] as const;
const SCHEMES = ['light', 'dark'] as const;

let practice: Practice;

// Once per worker: each test opens its own browser context signed in as this practitioner.
test.beforeAll(async ({ browser }, testInfo) => {
	test.setTimeout(60_000);
	practice = await setUpPractice(browser, testInfo);
});

/**
 * Opens `path` once, then for each size and scheme: axe's serious and critical findings and
 * sideways scrolling (none expected, each reported without stopping), and a screenshot of the
 * whole page into E2E_SHOTS_DIR when it is set, as `look-<name>-<size>-<scheme>.png`.
 */
async function checkEverySizeAndScheme(page: Page, name: string, path: string, live: boolean) {
	const response = await page.goto(path);
	expect(response?.status(), `status of ${path}`).toBe(200);
	await expect(page.getByRole('heading', { level: 1 }).first()).toBeVisible();
	if (live) await new AppShell(page).expectLive();
	for (const size of SIZES) {
		await page.setViewportSize(size);
		for (const colorScheme of SCHEMES) {
			await page.emulateMedia({ colorScheme });
			// Buttons fade to the new scheme's colours (transition-colors): axe must see where they land.
			await transitionsSettled(page);
			const where = `${name} at ${size.width}×${size.height}, ${colorScheme}`;
			expect.soft(await seriousViolations(page), where).toEqual([]);
			expect.soft(await sidewaysOverflow(page), `sideways overflow: ${where}`).toBe(0);
			if (SHOTS_DIR) {
				await page.screenshot({
					path: join(SHOTS_DIR, `look-${name}-${size.name}-${colorScheme}.png`),
					fullPage: true
				});
			}
		}
	}
}

async function signedInPage(browser: Browser): Promise<Page> {
	const context = await browser.newContext({ storageState: practice.storageState });
	return context.newPage();
}

test.describe('Every main page at phone, tablet and desktop size, light and dark', () => {
	for (const { name, path } of APP_PAGES) {
		test(`${name}: axe clean, no sideways scrolling`, async ({ browser }) => {
			// Six axe scans and screenshots of a long page: half a minute on a busy machine.
			test.setTimeout(120_000);
			const page = await signedInPage(browser);
			await checkEverySizeAndScheme(page, name, path(practice), true);
			await page.context().close();
		});
	}

	for (const { name, path } of PUBLIC_PAGES) {
		test(`${name} (visitor): axe clean, no sideways scrolling`, async ({ browser }) => {
			test.setTimeout(120_000);
			const context = await browser.newContext();
			const page = await context.newPage();
			await checkEverySizeAndScheme(page, name, path(practice), false);
			await context.close();
		});
	}
});
