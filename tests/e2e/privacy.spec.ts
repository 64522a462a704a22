/**
 * Essential cookies only, and nothing from another site: every page is opened in a browser that
 * records every request it makes (documents, scripts, styles, fonts, images, icons, the service
 * worker's, the live updates' WebSocket) and every cookie it is given.
 */
import { expect, test, type BrowserContext, type Cookie } from '@playwright/test';
import { AppShell } from './pages/app-shell';
import { Outbox } from './pages/outbox';
import { signUpForSeries, SUBJECT, SUBSCRIBER_LINK } from './pages/public-series';
import { newAccount } from './support/accounts';
import { APP_PAGES, PUBLIC_PAGES, setUpPractice, type Practice } from './support/every-page';

/**
 * The only cookies Sessionboard sets, each needed for what the person is doing at the time, none
 * read by a script (HttpOnly): none of them tracks anyone.
 */
const ESSENTIAL_COOKIES: Record<string, { why: string; sameSite: Cookie['sameSite'] }> = {
	sb_auth: { why: 'the sign-in', sameSite: 'Lax' },
	sb_google_flow: { why: 'a Google sign-in under way', sameSite: 'Lax' },
	sb_google_pending: { why: 'a new Google user confirming their age', sameSite: 'Lax' },
	zoom_oauth: { why: 'connecting Zoom, under way', sameSite: 'Lax' },
	sb_outbox: { why: 'the local outbox, on a machine without SMTP', sameSite: 'Strict' }
};

type Recording = { requests: string[]; setCookies: string[]; settled: () => Promise<void> };

/** Starts recording every request and every Set-Cookie header of the context's pages. */
function record(context: BrowserContext): Recording {
	const requests: string[] = [];
	const setCookies: string[] = [];
	const reading: Promise<void>[] = [];
	context.on('request', (request) => requests.push(request.url()));
	context.on('response', (response) => {
		reading.push(
			response.headersArray().then(
				(headers) => {
					for (const { name, value } of headers) {
						if (name.toLowerCase() === 'set-cookie') setCookies.push(value);
					}
				},
				// A page that navigated on cannot be asked any more: its answers set nothing then.
				() => {}
			)
		);
	});
	context.on('page', (page) => page.on('websocket', (socket) => requests.push(socket.url())));
	return { requests, setCookies, settled: async () => void (await Promise.all(reading)) };
}

/** The requests that went anywhere but the app itself: its own origin, its WebSocket, data: and blob:. */
function elsewhere(requests: string[], appOrigin: string): string[] {
	return requests.filter((address) => {
		const url = new URL(address);
		if (url.protocol === 'data:' || url.protocol === 'blob:') return false;
		const asHttp = url.protocol.replace(/^ws/, 'http');
		return `${asHttp}//${url.host}` !== appOrigin;
	});
}

/** Every cookie that is not one of the essential ones, or not set as they must be. */
function unexpectedCookies(cookies: Cookie[], setCookies: string[]): string[] {
	const problems = cookies.flatMap((cookie) => {
		const essential = ESSENTIAL_COOKIES[cookie.name];
		if (!essential) return [`${cookie.name} is not an essential cookie`];
		const wrong: string[] = [];
		if (!cookie.httpOnly) wrong.push(`${cookie.name} is readable by scripts`);
		if (cookie.sameSite !== essential.sameSite) {
			wrong.push(`${cookie.name} is SameSite=${cookie.sameSite}, not ${essential.sameSite}`);
		}
		return wrong;
	});
	for (const line of setCookies) {
		const name = line.slice(0, line.indexOf('='));
		if (!ESSENTIAL_COOKIES[name]) problems.push(`Set-Cookie of ${name}, not an essential cookie`);
		if (!/;\s*samesite=/i.test(line)) problems.push(`Set-Cookie of ${name} without SameSite`);
	}
	return problems;
}

let practice: Practice;
/** A subscriber's own pages, behind the links in their emails. */
let subscriberPages: { name: string; path: string }[];

test.beforeAll(async ({ browser }, testInfo) => {
	test.setTimeout(120_000);
	practice = await setUpPractice(browser, testInfo);
	const context = await browser.newContext();
	const page = await context.newPage();
	const visitor = { name: 'Ada Subscriber', email: newAccount('privacy-ada').email };
	await signUpForSeries(page, practice.publicPath, 'Evening yoga', visitor);
	const email = await new Outbox(page).email(visitor.email, SUBJECT.admitted('Evening yoga'));
	const links = await email.getByRole('link').allTextContents();
	const path = (pattern: RegExp) => new URL(links.find((link) => pattern.test(link))!).pathname;
	subscriberPages = [
		{ name: 'manage-place', path: path(SUBSCRIBER_LINK.manage) },
		{ name: 'unsubscribe', path: path(SUBSCRIBER_LINK.unsubscribe) }
	];
	await context.close();
});

test('every page, signed out and signed in, asks nothing of another origin and sets only essential cookies', async ({
	browser,
	baseURL
}) => {
	test.setTimeout(240_000);
	const appOrigin = new URL(baseURL!).origin;

	const visitor = await browser.newContext();
	const visiting = record(visitor);
	const page = await visitor.newPage();
	const publicPages = [
		{ name: 'home', path: '/' },
		...PUBLIC_PAGES.map(({ name, path }) => ({ name, path: path(practice) })),
		{ name: 'reset-password', path: '/reset-password?token=unknown' },
		{ name: 'account-deleted', path: '/account-deleted' },
		...subscriberPages
	];
	for (const { name, path } of publicPages) {
		await test.step(name, async () => {
			const response = await page.goto(path);
			expect(response?.status(), path).toBe(200);
			await page.waitForLoadState('networkidle');
		});
	}
	await visiting.settled();
	const visitorCookies = await visitor.cookies();
	await visitor.close();

	const practitioner = await browser.newContext({ storageState: practice.storageState });
	const working = record(practitioner);
	const desk = await practitioner.newPage();
	for (const { name, path } of APP_PAGES) {
		await test.step(name, async () => {
			const response = await desk.goto(path(practice));
			expect(response?.status(), name).toBe(200);
			await new AppShell(desk).expectLive();
			await desk.waitForLoadState('networkidle');
		});
	}
	await working.settled();
	const practitionerCookies = await practitioner.cookies();
	await practitioner.close();

	const requests = [...visiting.requests, ...working.requests];
	expect(requests.length).toBeGreaterThan(publicPages.length + APP_PAGES.length);
	expect(requests.some((address) => address.startsWith('ws'))).toBe(true);
	expect(practitionerCookies.map((cookie) => cookie.name)).toContain('sb_auth');
	// Both at once, so that a run shows every stray request and cookie together.
	expect({
		elsewhere: [...new Set(elsewhere(requests, appOrigin))],
		cookies: [
			...new Set(
				unexpectedCookies(
					[...visitorCookies, ...practitionerCookies],
					[...visiting.setCookies, ...working.setCookies]
				)
			)
		]
	}).toEqual({ elsewhere: [], cookies: [] });
});
