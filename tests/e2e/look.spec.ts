import { join } from 'node:path';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { AppShell } from './pages/app-shell';
import { SeriesPage } from './pages/series';
import { newAccount, signUpAndConfirm } from './support/accounts';
import { seriousViolations } from './support/axe';
import { sidewaysOverflow, transitionsSettled } from './support/layout';
import {
	createClient,
	createPublishedSeries,
	createSession,
	isoDate,
	setSessionStatus,
	uniqueName,
	writeSignedNote
} from './support/practice';
import { SHOTS_DIR } from './support/shots';

/** The three sizes every page is made for: a phone, a tablet upright, a laptop. */
const SIZES = [
	{ name: 'phone', width: 390, height: 844 },
	{ name: 'tablet', width: 820, height: 1180 },
	{ name: 'desktop', width: 1280, height: 800 }
] as const;
const SCHEMES = ['light', 'dark'] as const;

/** What the pages show: a practitioner with a client, sessions past and coming, a published series. */
type Practice = {
	storageState: string;
	clientId: string;
	sessionId: string;
	seriesId: string;
	publicPath: string;
};
let practice: Practice;

// Once per worker: each test opens its own browser context signed in as this practitioner.
test.beforeAll(async ({ browser }, testInfo) => {
	test.setTimeout(60_000);
	const context = await browser.newContext();
	const page = await context.newPage();
	await signUpAndConfirm(page, newAccount('look', 'Maya Jensen'));
	const client = await createClient(page.request, {
		name: uniqueName('Amira'),
		email: 'amira@example.com',
		tags: 'individual, online'
	});
	const past = await createSession(page.request, {
		clientId: client.id,
		date: isoDate(-2),
		startTime: '09:00'
	});
	await setSessionStatus(page.request, past, 'completed');
	await writeSignedNote(page.request, past, '## Plan\n- Keep the evening routine');
	await createSession(page.request, { clientId: client.id, date: isoDate(0), startTime: '23:00' });
	const sessionId = await createSession(page.request, {
		clientId: client.id,
		date: isoDate(2),
		startTime: '10:30'
	});
	const seriesId = await createPublishedSeries(page.request, {
		title: 'Evening yoga',
		date: isoDate(3),
		startTime: '18:30',
		dates: 6
	});
	const series = new SeriesPage(page);
	await series.goto(seriesId);
	const publicPath = await series.publicPath();
	const storageState = testInfo.outputPath('practitioner.json');
	await context.storageState({ path: storageState });
	await context.close();
	practice = { storageState, clientId: client.id, sessionId, seriesId, publicPath };
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

/** Pages of a signed-in practitioner; `path` may use what the set-up made. */
const APP_PAGES: { name: string; path: () => string }[] = [
	{ name: 'dashboard', path: () => '/dashboard' },
	{ name: 'today', path: () => '/today' },
	{ name: 'calendar', path: () => '/calendar' },
	{ name: 'clients', path: () => '/clients' },
	{ name: 'client', path: () => `/clients/${practice.clientId}` },
	{ name: 'client-new', path: () => '/clients/new' },
	{ name: 'sessions', path: () => '/sessions' },
	{ name: 'session', path: () => `/sessions/${practice.sessionId}` },
	{ name: 'session-new', path: () => '/sessions/new' },
	{ name: 'series-list', path: () => '/series' },
	{ name: 'series', path: () => `/series/${practice.seriesId}` },
	{ name: 'series-new', path: () => '/series/new' },
	{ name: 'billing', path: () => '/billing' },
	{ name: 'billing-unpaid', path: () => '/billing/unpaid' },
	{ name: 'billing-statements', path: () => '/billing/statements' },
	{ name: 'settings', path: () => '/settings' },
	{ name: 'settings-practice', path: () => '/settings/practice' },
	{ name: 'settings-policy', path: () => '/settings/policy' },
	{ name: 'settings-calendar', path: () => '/settings/calendar' },
	{ name: 'settings-payments', path: () => '/settings/payments' },
	{ name: 'settings-integrations', path: () => '/settings/integrations' },
	{ name: 'settings-data', path: () => '/settings/data' }
];

/** Pages anyone can open. */
const PUBLIC_PAGES: { name: string; path: () => string }[] = [
	{ name: 'public-series', path: () => practice.publicPath },
	{ name: 'sign-in', path: () => '/sign-in' },
	{ name: 'sign-up', path: () => '/sign-up' },
	{ name: 'forgot-password', path: () => '/forgot-password' }
];

test.describe('Every main page at phone, tablet and desktop size, light and dark', () => {
	for (const { name, path } of APP_PAGES) {
		test(`${name}: axe clean, no sideways scrolling`, async ({ browser }) => {
			// Six axe scans and screenshots of a long page: half a minute on a busy machine.
			test.setTimeout(120_000);
			const page = await signedInPage(browser);
			await checkEverySizeAndScheme(page, name, path(), true);
			await page.context().close();
		});
	}

	for (const { name, path } of PUBLIC_PAGES) {
		test(`${name} (visitor): axe clean, no sideways scrolling`, async ({ browser }) => {
			test.setTimeout(120_000);
			const context = await browser.newContext();
			const page = await context.newPage();
			await checkEverySizeAndScheme(page, name, path(), false);
			await context.close();
		});
	}
});
