import { expect, test, type Browser, type BrowserContext } from '@playwright/test';
import { AppShell } from './pages/app-shell';
import { ClientsPage, NewClientPage } from './pages/clients';
import { DashboardPage } from './pages/dashboard';
import { SessionPage } from './pages/sessions';
import { SignInPage } from './pages/sign-in';
import { newAccount, signUpAndConfirm } from './support/accounts';
import { createClient, createSession, isoDate, uniqueName } from './support/practice';
import {
	countDataRequests,
	expectSameDocument,
	markDocument,
	recordSocketEvents,
	SocketCable
} from './support/realtime';

/** The promise: a change on one screen shows on the others within a second. */
const LIVE = { timeout: 1_000 };

const DESKTOP = { width: 1280, height: 800 };
const TABLET = { width: 820, height: 1180 };

function newContext(browser: Browser, baseURL: string | undefined, device: 'desktop' | 'tablet') {
	return device === 'desktop'
		? browser.newContext({ baseURL, viewport: DESKTOP })
		: browser.newContext({ baseURL, viewport: TABLET, hasTouch: true });
}

test.describe('Practice, live on every open screen', () => {
	test('desktop and tablet of one practitioner update each other within a second, also after the connection drops; another practitioner sees nothing', async ({
		browser,
		baseURL
	}) => {
		// Three browsers, two accounts, and a connection taken down and brought back.
		test.setTimeout(120_000);
		const contexts: BrowserContext[] = [];
		const open = async (device: 'desktop' | 'tablet') => {
			const context = await newContext(browser, baseURL, device);
			contexts.push(context);
			return context;
		};
		try {
			const desktop = await open('desktop');
			const tablet = await open('tablet');
			const stranger = await open('desktop');
			// Before the tablet opens a page, so its live connection can be taken down later.
			const cable = await SocketCable.attach(tablet);

			const account = newAccount('live-practice');
			const desk = await desktop.newPage();
			await signUpAndConfirm(desk, account);
			const tab = await tablet.newPage();
			const signIn = new SignInPage(tab);
			await signIn.goto();
			await signIn.signIn(account.email, account.password);
			await expect(tab).toHaveURL(/\/dashboard$/);

			// The second practitioner watches their own list and dashboard throughout.
			const strangerList = await stranger.newPage();
			const strangerEvents = recordSocketEvents(strangerList);
			await signUpAndConfirm(strangerList, newAccount('live-stranger', 'Sam Stranger'));
			const strangerBoard = await stranger.newPage();
			const strangerBoardEvents = recordSocketEvents(strangerBoard);
			const strangerClients = new ClientsPage(strangerList);
			const strangerDashboard = new DashboardPage(strangerBoard);
			await strangerClients.goto();
			await strangerDashboard.goto();
			await new AppShell(strangerList).expectLive();
			await new AppShell(strangerBoard).expectLive();
			const strangerFetches = [countDataRequests(strangerList), countDataRequests(strangerBoard)];

			// The desktop keeps its dashboard open in one tab and uses the forms in another.
			const deskBoard = await desktop.newPage();
			const deskBoardEvents = recordSocketEvents(deskBoard);
			const dashboard = new DashboardPage(deskBoard);
			await dashboard.goto();
			await new AppShell(deskBoard).expectLive();
			const tabletShell = new AppShell(tab);
			const tabletClients = new ClientsPage(tab);
			const names: string[] = [];

			const first = uniqueName('Ada Desktop');
			names.push(first);
			let firstId = '';
			await test.step('a client added on the desktop appears in the tablet’s open list', async () => {
				await tabletClients.goto();
				await tabletShell.expectLive();
				await markDocument(tab);
				const form = new NewClientPage(desk);
				await form.goto();
				firstId = await form.create({ name: first, email: 'ada@example.org' });

				await expect(tabletClients.client(first)).toBeVisible(LIVE);
				await expectSameDocument(tab);
			});

			let sessionId = '';
			await test.step('a session completed on the tablet shows as completed on the desktop', async () => {
				sessionId = await createSession(desktop.request, {
					clientId: firstId,
					date: isoDate(1),
					startTime: '10:00',
					fee: '60',
					currency: 'EUR'
				});
				const deskSessionPage = await desktop.newPage();
				const deskSession = new SessionPage(deskSessionPage);
				await deskSession.goto(sessionId);
				await new AppShell(deskSessionPage).expectLive();
				await deskSession.expectStatus('Scheduled');
				// Loaded afresh, so that only the change below is left to arrive live.
				await dashboard.goto();
				await new AppShell(deskBoard).expectLive();
				await expect(dashboard.session(first)).toContainText('Scheduled');
				await expect(dashboard.unpaidTotal).not.toContainText('60');

				const tabletSession = new SessionPage(tab);
				await tabletSession.goto(sessionId);
				await tabletShell.expectLive();
				// Tomorrow's session has not begun: a late cancellation is what it can be charged for.
				await tabletSession.setStatus('Late cancellation');

				await expect(dashboard.session(first)).toContainText('Late cancellation', LIVE);
				await expect(dashboard.unpaidTotal).toHaveText('€60.00', LIVE);
				await deskSession.expectStatus('Late cancellation', LIVE);
				await deskSessionPage.close();
			});

			const missed = uniqueName('Bea Offline');
			names.push(missed);
			await test.step('after the tablet’s connection drops and comes back, it shows what it missed', async () => {
				await tabletClients.goto();
				await tabletShell.expectLive();
				await markDocument(tab);

				await cable.unplug();
				await expect(tabletShell.realtime).toHaveAttribute('data-realtime', 'offline');
				const form = new NewClientPage(desk);
				await form.goto();
				const heard = deskBoardEvents.length;
				await form.create({ name: missed, phone: '+44 20 7946 0000' });
				// The change went out: the desktop's dashboard, still connected, got it.
				await expect.poll(() => deskBoardEvents.length, LIVE).toBeGreaterThan(heard);
				await expect(tabletClients.client(missed)).toHaveCount(0);
				await expect(tabletShell.realtime).toHaveAttribute('data-realtime', 'offline');

				await cable.plug();
				// socket.io retries with a back-off of up to 5 s (plus jitter).
				await expect(tabletShell.realtime).toHaveAttribute('data-realtime', 'live', {
					timeout: 15_000
				});
				await expect(tabletClients.client(missed)).toBeVisible(LIVE);
				await expect(tabletClients.client(first)).toBeVisible();
				await expectSameDocument(tab);
			});

			const third = uniqueName('Cy Reconnected');
			names.push(third);
			await test.step('after the reconnect, changes are live again both ways', async () => {
				const { id } = await createClient(desktop.request, { name: third });
				await expect(tabletClients.client(third)).toBeVisible(LIVE);
				await expectSameDocument(tab);

				const secondSession = await createSession(desktop.request, {
					clientId: id,
					date: isoDate(1),
					startTime: '12:00',
					fee: '60',
					currency: 'EUR'
				});
				await expect(dashboard.session(third)).toContainText('Scheduled', LIVE);
				const tabletSession = new SessionPage(tab);
				await tabletSession.goto(secondSession);
				await tabletShell.expectLive();
				await tabletSession.setStatus('Late cancellation');
				await expect(dashboard.session(third)).toContainText('Late cancellation', LIVE);
				await expect(dashboard.unpaidTotal).toHaveText('€120.00', LIVE);
			});

			await test.step('the other practitioner saw none of it, and cannot open it', async () => {
				// The recorder does hear events: the desktop's dashboard got every one.
				expect(deskBoardEvents).toContain('practice:changed');
				expect([...strangerEvents, ...strangerBoardEvents]).not.toContain('practice:changed');
				expect(strangerFetches.map((fetches) => fetches.count)).toEqual([0, 0]);

				await expect(strangerClients.noClientsYet).toBeVisible();
				await expect(strangerDashboard.todayCount).toHaveText('0');
				await expect(strangerDashboard.weekCount).toHaveText('0');
				await expect(strangerDashboard.unpaidTotal).toHaveText(/^\D*0([.,]00)?$/);
				await expect(strangerDashboard.nothingScheduled).toBeVisible();
				for (const page of [strangerList, strangerBoard]) {
					for (const name of names) await expect(page.getByText(name)).toHaveCount(0);
				}

				for (const path of [
					`/clients/${firstId}`,
					`/clients/${firstId}/edit`,
					`/sessions/${sessionId}`,
					`/sessions/${sessionId}/edit`
				]) {
					const response = await strangerBoard.goto(path);
					expect(response?.status(), path).toBe(404);
					await expect(strangerBoard.getByRole('heading', { name: '404' }), path).toBeVisible();
					await expect(strangerBoard.getByText(first), path).toHaveCount(0);
				}
			});
		} finally {
			for (const context of contexts) await context.close();
		}
	});
});
