import { expect, type BrowserContext, type Page } from '@playwright/test';
import { newAccount, signUpAndConfirm } from './support/accounts';
import { seriousViolations } from './support/axe';
import { createClient, createSession, isoDate, uniqueName } from './support/practice';
import { test, type TabletNetwork } from './support/network';
import { saveNoteElsewhere, sessionOnServer, SYNC, TodayPage } from './pages/today';

const TABLET = { width: 820, height: 1180 };
const TABLET_LANDSCAPE = { width: 1180, height: 820 };
const DESKTOP = { width: 1280, height: 800 };
const MIN_TOUCH_TARGET = 44;

/** A practitioner signed in on `page` with one session today; returns its id and client name. */
async function practitionerWithSessionToday(page: Page, label: string) {
	await signUpAndConfirm(page, newAccount(label));
	const clientName = uniqueName('Alex');
	const client = await createClient(page.request, { name: clientName });
	const id = await createSession(page.request, {
		clientId: client.id,
		date: isoDate(0),
		startTime: '09:00'
	});
	return { id, clientName };
}

/** The Wi-Fi drops: no request gets through, and the browser knows it is offline. */
async function goOffline(context: BrowserContext, network: TabletNetwork): Promise<void> {
	network.cut();
	await context.setOffline(true);
}

async function goOnline(context: BrowserContext, network: TabletNetwork): Promise<void> {
	network.restore();
	await context.setOffline(false);
}

test.describe('Tablet session mode', () => {
	test.use({ viewport: TABLET, hasTouch: true });

	test('a note written offline survives a reload and is saved on the server once back online', async ({
		page,
		context,
		network,
		anotherDevice
	}) => {
		const crashes: string[] = [];
		page.on('pageerror', (error) => crashes.push(error.message));
		const { id, clientName } = await practitionerWithSessionToday(page, 'today-offline');
		const today = new TodayPage(page);
		await today.goto();
		await today.open(clientName);

		await today.button('Start session').tap();
		await expect(today.button('Finish session')).toBeVisible();
		await expect(today.timer).toHaveText(/^\d{2}:\d{2}$/);
		const startedAt = (await sessionOnServer(page.request, id)).startedAt;
		expect(startedAt).not.toBeNull();

		await today.noteText.fill('Arrived on time.');
		await today.expectSync(SYNC.saved);
		await today.expectOfflineReady();
		const desk = await anotherDevice();

		await goOffline(context, network);
		const written = 'Arrived on time.\nTalked about the move; sleeping better.';
		await today.noteText.fill(written);
		await today.expectSync(SYNC.offline);

		const reloaded = await page.reload();
		expect(reloaded?.fromServiceWorker(), 'the offline page comes from the service worker').toBe(
			true
		);
		await expect(today.panel.getByRole('heading', { name: clientName, level: 2 })).toBeVisible();
		await expect(today.noteText).toHaveValue(written);
		await expect(today.syncState).toHaveText(new RegExp(`(${SYNC.offline}|${SYNC.pending})$`));
		// Computed from the server's start time, so still running after the reload.
		await expect(today.button('Finish session')).toBeVisible();
		const before = await today.timer.textContent();
		await expect(today.timer).not.toHaveText(before ?? '', { timeout: 3_000 });
		expect((await sessionOnServer(desk, id)).note?.body).toBe('Arrived on time.');

		await goOnline(context, network);
		await today.expectSync(SYNC.saved, 15_000);
		const saved = await sessionOnServer(page.request, id);
		expect(saved.note?.body).toBe(written);
		expect(await page.evaluate(() => Object.keys(localStorage))).not.toContainEqual(
			expect.stringContaining(id)
		);

		await page.reload();
		await expect(today.noteText).toHaveValue(written);
		await today.expectSync(SYNC.saved);
		expect(crashes).toEqual([]);
	});

	test('a note changed on another device meanwhile shows both versions, and "Keep mine" wins on top', async ({
		page,
		context,
		network,
		anotherDevice
	}) => {
		const { id, clientName } = await practitionerWithSessionToday(page, 'today-conflict');
		const today = new TodayPage(page);
		await today.goto(`?session=${id}`);
		await today.noteText.fill('First version.');
		await today.expectSync(SYNC.saved);

		const desk = await anotherDevice();
		await goOffline(context, network);
		await today.noteText.fill('Mine, written offline.');
		await today.expectSync(SYNC.offline);
		// Another device saves while the tablet is offline; the tablet's draft then names an
		// outdated version.
		const version = (await sessionOnServer(desk, id)).note?.version ?? 0;
		await saveNoteElsewhere(desk, {
			sessionId: id,
			body: 'Theirs, from the desktop.',
			baseVersion: version
		});
		await goOnline(context, network);

		await today.expectSync(SYNC.conflict);
		const conflict = today.panel.getByRole('region', {
			name: 'This note was changed on another device'
		});
		await expect(conflict.getByTestId('conflict-mine')).toHaveText('Mine, written offline.');
		await expect(conflict.getByTestId('conflict-saved')).toHaveText('Theirs, from the desktop.');
		await conflict.getByRole('button', { name: 'Keep mine' }).tap();

		await today.expectSync(SYNC.saved);
		await expect(today.noteText).toHaveValue('Mine, written offline.');
		const saved = await sessionOnServer(page.request, id);
		expect(saved.note).toMatchObject({ body: 'Mine, written offline.', version: version + 2 });
		await expect(today.session(clientName)).toBeVisible();
	});

	test('start, finish, one-tap status, template, signing and an addendum', async ({ page }) => {
		const { id, clientName } = await practitionerWithSessionToday(page, 'today-flow');
		const client = await createClient(page.request, { name: uniqueName('Sam') });
		await createSession(page.request, {
			clientId: client.id,
			date: isoDate(0),
			// Already begun whenever the test runs, so No-show is offered.
			startTime: '00:00'
		});
		const today = new TodayPage(page);
		await today.goto();
		await expect(today.session(clientName)).toContainText('09:00');
		await expect(today.session(client.name)).toContainText('00:00');

		for (const link of await today.sessions.getByRole('link').all()) {
			const box = await link.boundingBox();
			expect(box?.height).toBeGreaterThanOrEqual(72);
		}

		await today.open(client.name);
		for (const name of ['Start session', 'No-show', 'Late cancel', 'Cancel']) {
			const box = await today.button(name).boundingBox();
			expect(box?.height, name).toBeGreaterThanOrEqual(MIN_TOUCH_TARGET);
		}
		await today.button('No-show').tap();
		await expect(today.session(client.name)).toContainText('No-show');
		await today.button('Undo: back to scheduled').tap();
		await expect(today.session(client.name)).toContainText('Scheduled');

		await today.open(clientName);
		await today.button('Start session').tap();
		await today.button('Finish session').tap();
		await expect(today.panel.getByText('Took')).toBeVisible();
		await expect(today.session(clientName)).toContainText('Completed');
		expect((await sessionOnServer(page.request, id)).status).toBe('completed');

		await today.panel.getByText('SOAP', { exact: true }).tap();
		await expect(today.noteText).toHaveValue(/^## Subjective\n/);
		await today.noteText.fill(
			'## Subjective\n\nFeels **steadier**.\n\n## Plan\n\nSame time next week.'
		);
		await today.expectSync(SYNC.saved);

		await today.panel.getByText('Sign the note…').tap();
		await today.button('Sign and lock').tap();
		const signed = today.panel.getByTestId('signed-note');
		await expect(signed.getByRole('heading', { name: 'Subjective' })).toBeVisible();
		await expect(signed.locator('strong')).toHaveText('steadier');
		await expect(today.noteText).toHaveCount(0);

		await today.panel.getByRole('textbox', { name: 'Add addendum' }).fill('Phoned: all fine.');
		await today.button('Add addendum').tap();
		await expect(today.panel.getByRole('region', { name: 'Addenda' })).toContainText(
			'Phoned: all fine.'
		);
		expect((await sessionOnServer(page.request, id)).note?.signedAt).not.toBeNull();

		expect(await seriousViolations(page)).toEqual([]);
	});

	test('an empty day says so and links to the sessions; axe finds nothing serious', async ({
		page
	}) => {
		await signUpAndConfirm(page, newAccount('today-empty'));
		const today = new TodayPage(page);
		await today.goto();
		await expect(page.getByRole('heading', { name: 'No sessions today' })).toBeVisible();
		await expect(
			page.getByRole('main').getByRole('link', { name: 'Go to your sessions' })
		).toHaveAttribute('href', '/sessions');
		expect(await seriousViolations(page)).toEqual([]);
	});
});

test('looks right on a tablet (both ways) and a desktop, with no serious axe findings', async ({
	page
}) => {
	const { id, clientName } = await practitionerWithSessionToday(page, 'today-look');
	const other = await createClient(page.request, { name: uniqueName('Kim') });
	await createSession(page.request, { clientId: other.id, date: isoDate(0), startTime: '14:30' });
	const today = new TodayPage(page);
	await today.goto(`?session=${id}`);
	await today.button('Start session').click();
	await expect(today.timer).toBeVisible();
	await today.noteText.fill('Talked about the week.');
	await today.expectSync(SYNC.saved);
	expect(await seriousViolations(page)).toEqual([]);

	for (const [name, viewport] of [
		['tablet', TABLET],
		['tablet-landscape', TABLET_LANDSCAPE],
		['desktop', DESKTOP]
	] as const) {
		await page.setViewportSize(viewport);
		await expect(today.panel.getByRole('heading', { name: clientName })).toBeInViewport();
		expect(
			await page.evaluate(() => document.documentElement.scrollWidth - innerWidth)
		).toBeLessThanOrEqual(0);
		await page.screenshot({ path: `/tmp/today-${name}.png`, fullPage: true });
	}
});

test.describe('Without JavaScript', () => {
	test.use({ javaScriptEnabled: false });

	test('the session buttons and saving a note work as plain forms', async ({
		page,
		browser,
		baseURL
	}) => {
		// Signing up needs no script either, but the helper waits for the live connection.
		const withScript = await browser.newContext({ baseURL });
		try {
			const setup = await withScript.newPage();
			const { id, clientName } = await practitionerWithSessionToday(setup, 'today-nojs');
			await page.context().addCookies(await withScript.cookies());

			const today = new TodayPage(page);
			await today.goto(`?session=${id}`);
			await expect(today.panel.getByRole('heading', { name: clientName })).toBeVisible();
			await today.button('Start session').click();
			await expect(today.button('Finish session')).toBeVisible();
			await expect(today.timer).toHaveText(/^\d{2}:\d{2}$/);

			await today.noteText.fill('Written without scripts.');
			await today.button('Save').click();
			await expect(page).toHaveURL(new RegExp(`/today\\?session=${id}$`));
			await expect(today.noteText).toHaveValue('Written without scripts.');
			expect((await sessionOnServer(page.request, id)).note?.body).toBe('Written without scripts.');
		} finally {
			await withScript.close();
		}
	});
});
