import { gzipSync } from 'node:zlib';
import { expect, test, type Browser, type BrowserContext } from '@playwright/test';
import { jsTable, measurePublicPageJs, PUBLIC_PAGE_JS_BUDGET } from '../../bench/public-page-js';
import { PublicSeriesPage, type Visitor } from './pages/public-series';
import { AppShell } from './pages/app-shell';
import { newAccount, signUpAndConfirm } from './support/accounts';
import { fakeGoogle } from './support/fake-google';
import { seriousViolations } from './support/axe';
import { sidewaysOverflow } from './support/layout';
import { createPublishedSeries, isoDate, uniqueName } from './support/practice';
import { SHOTS_DIR } from './support/shots';

/** A visitor on a phone, in another zone than the series (UTC), as most visitors are. */
const PHONE = {
	viewport: { width: 390, height: 844 },
	hasTouch: true,
	isMobile: true,
	timezoneId: 'America/New_York'
} as const;

const SIZES = [
	{ width: 390, height: 844 },
	{ width: 820, height: 1180 },
	{ width: 1280, height: 800 }
] as const;

/** A series of ten Wednesdays at 18:30 UTC, published by Maya Jensen; its public path. */
async function publishedSeries(browser: Browser, baseURL: string | undefined): Promise<string> {
	const context = await browser.newContext({ baseURL });
	try {
		const page = await context.newPage();
		await signUpAndConfirm(page, newAccount('public-page', 'Maya Jensen'));
		const title = uniqueName('Evening yoga');
		let days = 7;
		while (new Date(`${isoDate(days)}T00:00:00Z`).getUTCDay() !== 3) days += 1;
		await createPublishedSeries(context.request, {
			title,
			date: isoDate(days),
			startTime: '18:30',
			dates: 10,
			capacity: 6
		});
		return `/s/${title.toLowerCase().replaceAll(' ', '-')}`;
	} finally {
		await context.close();
	}
}

function newVisitor(label: string): Visitor {
	return { name: 'Vera Visitor', email: newAccount(label).email };
}

let path: string;

test.beforeAll(async ({ browser, baseURL }) => {
	path = await publishedSeries(browser, baseURL);
});

test.describe('the public signup page', () => {
	let context: BrowserContext | undefined;
	test.afterEach(async () => {
		await context?.close();
		context = undefined;
	});

	test('on a phone: who, what and when at the top, the form without scrolling, signed up in under 30 s', async ({
		browser,
		baseURL
	}) => {
		context = await browser.newContext({ baseURL, ...PHONE });
		const page = await context.newPage();
		const publicPage = new PublicSeriesPage(page);

		const opened = Date.now();
		await publicPage.goto(path);
		await expect(publicPage.practitioner).toHaveText('with Maya Jensen');
		await expect(publicPage.schedule).toHaveText(
			/^Wednesdays 18:30–19:30 from \d{1,2} [A-Z][a-z]+( \d{4})?, UTC$/
		);
		await expect(publicPage.spotsLeft).toHaveText('6 of 6 places left.');
		// The whole form, its button included, fits the first screen of a 390×844 phone.
		const form = await publicPage.form.boundingBox();
		expect(form, 'the signup form').not.toBeNull();
		expect(form!.y + form!.height).toBeLessThanOrEqual(844);
		expect(await page.evaluate(() => window.scrollY)).toBe(0);

		await publicPage.signUp(newVisitor('public-phone'));
		const seconds = (Date.now() - opened) / 1000;
		test.info().annotations.push({ type: 'sign-up time', description: `${seconds.toFixed(1)} s` });
		expect(seconds, 'from opening the link to "Almost done"').toBeLessThan(30);
	});

	test('lists each date once, in the visitor’s zone, the first four and the rest behind "Show all"', async ({
		browser,
		baseURL
	}) => {
		context = await browser.newContext({ baseURL, ...PHONE });
		const page = await context.newPage();
		const publicPage = new PublicSeriesPage(page);
		await publicPage.goto(path);
		await expect(publicPage.visitorZone).toHaveText('Shown in your time zone (America/New_York).');
		await expect(publicPage.dateLines).toHaveCount(4);
		// 18:30 UTC is 13:30 in New York in winter (and 14:30 in summer).
		await expect(publicPage.dateLines.first()).toHaveText(
			/^[A-Z][a-z]{2}, \d{1,2} [A-Z][a-z]{2} \d{4}, 1[34]:30–1[45]:30$/
		);
		await expect(publicPage.showAllDates).toHaveText('Show all 10 dates');
		await publicPage.showAllDates.click();
		await expect(publicPage.dateLines).toHaveCount(10);
		const lines = await publicPage.dateLines.allTextContents();
		expect(new Set(lines).size, 'each date once').toBe(10);
	});

	test('works without JavaScript: the dates open and the visitor signs up, told what to fix first', async ({
		browser,
		baseURL
	}) => {
		context = await browser.newContext({ baseURL, ...PHONE, javaScriptEnabled: false });
		const page = await context.newPage();
		const publicPage = new PublicSeriesPage(page);
		await publicPage.goto(path);
		// Without JavaScript the series' own zone is shown, as the schedule line names it.
		await expect(publicPage.visitorZone).toHaveCount(0);
		await publicPage.showAllDates.click();
		await expect(publicPage.dateLines).toHaveCount(10);

		const visitor = newVisitor('public-nojs');
		await publicPage.email.fill(visitor.email);
		await publicPage.signUpButton.click();
		await expect(page.getByText('Enter your name.')).toBeVisible();
		await expect(publicPage.email).toHaveValue(visitor.email);
		await publicPage.signUp(visitor);
	});

	test('passes axe at phone, tablet and desktop size, in light and dark', async ({
		browser,
		baseURL
	}) => {
		for (const colorScheme of ['light', 'dark'] as const) {
			context = await browser.newContext({ baseURL, colorScheme, timezoneId: 'Europe/Amsterdam' });
			const page = await context.newPage();
			const publicPage = new PublicSeriesPage(page);
			await publicPage.goto(path);
			for (const size of SIZES) {
				await page.setViewportSize(size);
				const where = `${colorScheme} at ${size.width}×${size.height}`;
				expect.soft(await seriousViolations(page), where).toEqual([]);
				expect.soft(await sidewaysOverflow(page), where).toBeLessThanOrEqual(0);
				if (SHOTS_DIR) {
					await page.screenshot({
						path: `${SHOTS_DIR}/public-page-${colorScheme}-${size.width}x${size.height}.png`,
						fullPage: true
					});
				}
			}
			await context.close();
			context = undefined;
		}
	});

	test(`loads under ${PUBLIC_PAGE_JS_BUDGET / 1024} kB of gzipped JavaScript, measured on the built app`, async ({
		browser,
		baseURL
	}) => {
		const measured = await measurePublicPageJs(`${baseURL}${path}`);
		console.log(jsTable(measured));
		await test.info().attach('public-page-js.txt', { body: jsTable(measured) });
		expect(
			measured.start + measured.later,
			'gzipped JavaScript the page loads, at start and later'
		).toBeLessThan(PUBLIC_PAGE_JS_BUDGET);

		// The page itself arrives compressed from the Node server, as br or gzip as asked.
		for (const encoding of ['br', 'gzip']) {
			const html = await fetch(`${baseURL}${path}`, { headers: { 'accept-encoding': encoding } });
			expect(html.headers.get('content-encoding'), encoding).toBe(encoding);
			expect(html.headers.get('vary')).toMatch(/Accept-Encoding/i);
			expect(await html.text()).toContain('</html>');
		}

		// What a browser really fetches is all in the measurement: nothing loads that it missed.
		context = await browser.newContext({ baseURL, ...PHONE });
		const page = await context.newPage();
		const fetched = new Map<string, number>();
		page.on('response', async (response) => {
			if (response.request().resourceType() !== 'script') return;
			fetched.set(new URL(response.url()).pathname, gzipSync(await response.body()).length);
		});
		const publicPage = new PublicSeriesPage(page);
		await publicPage.goto(path);
		await publicPage.expectListening();
		const known = new Set(measured.scripts.map((s) => s.path));
		expect([...fetched.keys()].filter((p) => !known.has(p))).toEqual([]);
		expect(fetched.size).toBeGreaterThan(0);
	});

	test('a practitioner with a picture chooses to show it on their signup pages, and can take it back', async ({
		browser,
		baseURL
	}) => {
		context = await browser.newContext({ baseURL });
		const page = await context.newPage();
		// Google sign-in through the test provider brings a picture with it.
		const stamp = `${Date.now()}`;
		const name = `Pia Picture ${stamp.slice(-4)}`;
		await page.goto('/sign-in');
		await page.getByRole('link', { name: 'Sign in with Google' }).click();
		await expect(page).toHaveURL(new RegExp(`^${fakeGoogle.issuer}/interaction/`));
		await page.getByLabel('Subject (sub)').fill(`e2e-public-${stamp}`);
		await page.getByLabel('Email', { exact: true }).fill(`pia-${stamp}@gmail.example`);
		await page.getByLabel('Name').fill(name);
		await page.getByRole('button', { name: 'Continue as this account' }).click();
		await page.getByLabel('I am 16 or older').check();
		await page.getByRole('button', { name: 'Create account' }).click();
		await new AppShell(page).expectSignedInAs(name);

		const title = uniqueName('Morning flow');
		await createPublishedSeries(context.request, {
			title,
			date: isoDate(8),
			startTime: '07:00',
			dates: 3
		});
		const slug = title.toLowerCase().replaceAll(' ', '-');
		const picture = `/s/${slug}/picture`;
		expect((await context.request.get(picture)).status()).toBe(404);

		await page.goto('/settings/practice');
		const choice = page.getByRole('checkbox', { name: 'Show my picture on my signup pages' });
		await expect(choice).not.toBeChecked();
		await choice.check();
		await page.getByRole('button', { name: 'Save picture choice' }).click();
		await expect(page.getByRole('status').filter({ hasText: /^Saved:/ })).toHaveText(
			'Saved: your signup pages show your picture.'
		);

		const visitor = await browser.newContext({ baseURL, ...PHONE });
		try {
			const visitorPage = await visitor.newPage();
			await new PublicSeriesPage(visitorPage).goto(`/s/${slug}`);
			const image = visitorPage.getByTestId('practitioner-picture');
			await expect
				.poll(() => image.evaluate((img: HTMLImageElement) => img.naturalWidth))
				.toBeGreaterThan(0);
			await expect(visitorPage.locator('meta[property="og:image"]')).toHaveAttribute(
				'content',
				`${baseURL}${picture}`
			);
		} finally {
			await visitor.close();
		}

		await page.reload();
		await expect(choice).toBeChecked();
		await choice.uncheck();
		await page.getByRole('button', { name: 'Save picture choice' }).click();
		await expect(page.getByRole('status').filter({ hasText: /^Saved:/ })).toHaveText(
			'Saved: your signup pages show no picture.'
		);
		expect((await context.request.get(picture)).status()).toBe(404);
	});
});
