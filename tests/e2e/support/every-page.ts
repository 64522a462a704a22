import type { Browser, TestInfo } from '@playwright/test';
import { SeriesPage } from '../pages/series';
import { newAccount, signUpAndConfirm } from './accounts';
import {
	createClient,
	createPublishedSeries,
	createSession,
	isoDate,
	setSessionStatus,
	uniqueName,
	writeSignedNote
} from './practice';

/** What the pages show: a practitioner with a client, sessions past and coming, a published series. */
export type Practice = {
	storageState: string;
	clientId: string;
	sessionId: string;
	seriesId: string;
	publicPath: string;
};

/**
 * Signs a new practitioner up and gives them something on every page; their sign-in is kept in a
 * storage state file, for each test to open a browser context of its own with.
 */
export async function setUpPractice(browser: Browser, testInfo: TestInfo): Promise<Practice> {
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
	return { storageState, clientId: client.id, sessionId, seriesId, publicPath };
}

type PageOf = { name: string; path: (practice: Practice) => string };

/** Pages of a signed-in practitioner. */
export const APP_PAGES: PageOf[] = [
	{ name: 'dashboard', path: () => '/dashboard' },
	{ name: 'today', path: () => '/today' },
	{ name: 'calendar', path: () => '/calendar' },
	{ name: 'clients', path: () => '/clients' },
	{ name: 'client', path: (practice) => `/clients/${practice.clientId}` },
	{ name: 'client-new', path: () => '/clients/new' },
	{ name: 'sessions', path: () => '/sessions' },
	{ name: 'session', path: (practice) => `/sessions/${practice.sessionId}` },
	{ name: 'session-new', path: () => '/sessions/new' },
	{ name: 'series-list', path: () => '/series' },
	{ name: 'series', path: (practice) => `/series/${practice.seriesId}` },
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
export const PUBLIC_PAGES: PageOf[] = [
	{ name: 'public-series', path: (practice) => practice.publicPath },
	{ name: 'sign-in', path: () => '/sign-in' },
	{ name: 'sign-up', path: () => '/sign-up' },
	{ name: 'forgot-password', path: () => '/forgot-password' }
];
