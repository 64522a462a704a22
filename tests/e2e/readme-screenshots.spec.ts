import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { AppShell } from './pages/app-shell';
import { SeriesPage } from './pages/series';
import { newAccount, signUpAndConfirm } from './support/accounts';
import { transitionsSettled } from './support/layout';
import {
	createClient,
	createPublishedSeries,
	createSession,
	isoDate,
	setSessionStatus,
	writeSignedNote
} from './support/practice';

/**
 * The README's pictures, made from a practice set up here: `npm run screenshots` writes them into
 * static/screenshots (README_SHOTS_DIR); in the ordinary suite the pages are only opened and checked.
 */
const README_SHOTS_DIR = process.env.README_SHOTS_DIR;

const CLIENTS = [
	'Amira Okafor',
	'Ben Lindqvist',
	'Chloé Moreau',
	'Dmitri Petrov',
	'Elif Yılmaz',
	'Farah Haddad',
	'Gustav Berg'
];
const TODAY = ['08:00', '09:00', '10:00', '13:00', '14:00', '15:30', '17:00'];
const NOTE = `## Subjective
Reports sleeping better since the last session; work stress still high on Mondays.

## Plan
- Keep the evening routine`;

test('the README screenshots: the dashboard in light and dark, the public page on a phone', async ({
	page,
	browser
}) => {
	test.setTimeout(120_000);
	await signUpAndConfirm(page, newAccount('readme', 'Maya Jensen'));
	const clients = [];
	for (const name of CLIENTS) clients.push(await createClient(page.request, { name }));
	const hourNow = new Date().getUTCHours();
	for (const [i, startTime] of TODAY.entries()) {
		const id = await createSession(page.request, {
			clientId: clients[i]!.id,
			date: isoDate(0),
			startTime
		});
		// Those that have begun are done, with their notes signed.
		if (Number(startTime.slice(0, 2)) < hourNow) {
			await setSessionStatus(page.request, id, 'completed');
			await writeSignedNote(page.request, id, NOTE);
		}
	}
	for (const [i, client] of clients.entries()) {
		await createSession(page.request, {
			clientId: client.id,
			date: isoDate(1 + (i % 6)),
			startTime: TODAY[i]!,
			fee: '80'
		});
	}
	const yoga = await createPublishedSeries(page.request, {
		title: 'Evening yoga',
		date: isoDate(2),
		startTime: '18:30',
		dates: 8,
		capacity: 12
	});
	await createPublishedSeries(page.request, {
		title: 'Mindful mornings',
		date: isoDate(4),
		startTime: '07:30',
		dates: 6,
		capacity: 8
	});

	const shell = new AppShell(page);
	await page.goto('/dashboard');
	await expect(page.getByRole('heading', { name: 'Dashboard', level: 1 })).toBeVisible();
	await shell.expectLive();
	for (const colorScheme of ['light', 'dark'] as const) {
		await page.emulateMedia({ colorScheme });
		await transitionsSettled(page);
		if (README_SHOTS_DIR) {
			const name = colorScheme === 'light' ? 'dashboard.png' : 'dashboard-dark.png';
			await page.screenshot({ path: join(README_SHOTS_DIR, name) });
		}
	}

	const series = new SeriesPage(page);
	await series.goto(yoga);
	const publicPath = await series.publicPath();
	const phone = await browser.newContext({
		viewport: { width: 390, height: 844 },
		deviceScaleFactor: 2,
		hasTouch: true,
		isMobile: true
	});
	const visitor = await phone.newPage();
	await visitor.goto(publicPath);
	await expect(visitor.getByRole('heading', { name: 'Evening yoga', level: 1 })).toBeVisible();
	if (README_SHOTS_DIR) {
		await visitor.screenshot({ path: join(README_SHOTS_DIR, 'public-page-phone.png') });
	}
	await phone.close();
});
