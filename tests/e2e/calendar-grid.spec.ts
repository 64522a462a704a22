import { expect, test, type Page } from '@playwright/test';
import { AppShell } from './pages/app-shell';
import { CalendarGridPage } from './pages/calendar-grid';
import { SignInPage } from './pages/sign-in';
import { newAccount, signUpAndConfirm } from './support/accounts';
import { seriousViolations } from './support/axe';
import { sidewaysOverflow } from './support/layout';
import {
	createClient,
	createPublishedSeries,
	createSession,
	isoDate,
	uniqueName
} from './support/practice';
import { SHOTS_DIR } from './support/shots';
import { toast } from './support/toasts';

/** Monday of the week after next: every day of it is still to come, so sessions can move. */
function weekAhead(): string[] {
	const soon = new Date(`${isoDate(8)}T00:00:00Z`);
	soon.setUTCDate(soon.getUTCDate() + ((8 - soon.getUTCDay()) % 7));
	return Array.from({ length: 7 }, (_, i) =>
		new Date(soon.getTime() + i * 86_400_000).toISOString().slice(0, 10)
	);
}

async function practitionerWithWeek(page: Page, label: string) {
	const account = newAccount(label);
	await signUpAndConfirm(page, account);
	const week = weekAhead();
	const ana = await createClient(page.request, { name: uniqueName('Ana') });
	const kim = await createClient(page.request, { name: uniqueName('Kim') });
	await createSession(page.request, { clientId: ana.id, date: week[1]!, startTime: '10:00' });
	await createSession(page.request, { clientId: kim.id, date: week[2]!, startTime: '11:00' });
	return { account, week, ana, kim };
}

test.describe('Calendar grid', () => {
	test('shows sessions and series dates in the week, and a session dragged to free time is saved', async ({
		page
	}) => {
		test.setTimeout(90_000);
		const { week, ana, kim } = await practitionerWithWeek(page, 'grid-drag');
		const yoga = uniqueName('Yoga');
		await createPublishedSeries(page.request, {
			title: yoga,
			date: week[3]!,
			startTime: '18:00',
			capacity: 12
		});

		const calendar = new CalendarGridPage(page);
		await calendar.goto('week', week[0]);
		await calendar.expectAt(ana.name, week[1]!, '10:00');
		await expect(calendar.groupDate(yoga)).toContainText('0/12');
		await expect(calendar.groupDate(yoga)).toHaveAttribute('data-start', `${week[3]}T18:00`);

		await calendar.drag(ana.name, week[4]!, '13:00');
		await expect(calendar.status).toContainText(`Moved ${ana.name}`);
		await calendar.expectAt(ana.name, week[4]!, '13:00');
		await page.reload();
		await calendar.expectAt(ana.name, week[4]!, '13:00');
		// Kept its length: 50 minutes.
		await expect(calendar.session(ana.name)).toContainText('13:00–13:50');

		// Onto Kim's session: refused, said why, and it stays where it was.
		await calendar.drag(ana.name, week[2]!, '11:15');
		await expect(calendar.refusal).toContainText(`overlaps your session with ${kim.name}`);
		await calendar.expectAt(ana.name, week[4]!, '13:00');
		if (SHOTS_DIR) await page.screenshot({ path: `${SHOTS_DIR}/calendar-refused-move.png` });
		await page.reload();
		await calendar.expectAt(ana.name, week[4]!, '13:00');
		await calendar.expectAt(kim.name, week[2]!, '11:00');

		// A move says so in a toast whose Undo puts the session back.
		await calendar.drag(ana.name, week[5]!, '09:00');
		await calendar.expectAt(ana.name, week[5]!, '09:00');
		await toast(page, `Moved ${ana.name}`).getByRole('button', { name: 'Undo' }).click();
		await expect(toast(page, `Moved ${ana.name} back`)).toBeVisible();
		await calendar.expectAt(ana.name, week[4]!, '13:00');
		await page.reload();
		await calendar.expectAt(ana.name, week[4]!, '13:00');
	});

	test('on a touch screen in landscape a session is moved by finger, with today’s list beside the week', async ({
		page,
		browser,
		baseURL
	}) => {
		test.setTimeout(90_000);
		const { week, ana } = await practitionerWithWeek(page, 'grid-touch');
		const tablet = await browser.newContext({
			baseURL,
			viewport: { width: 1180, height: 820 },
			hasTouch: true,
			storageState: await page.context().storageState()
		});
		try {
			const calendar = new CalendarGridPage(await tablet.newPage());
			await calendar.goto('week', week[0]);
			await expect(calendar.todayPanel).toBeVisible();
			await calendar.dragByTouch(ana.name, week[1]!, '12:30');
			await expect(calendar.status).toContainText(`Moved ${ana.name}`);
			await calendar.page.reload();
			await calendar.expectAt(ana.name, week[1]!, '12:30');
		} finally {
			await tablet.close();
		}
	});

	test('a click on free time opens a new session there; the shortcuts go to new, today, the next week and their list', async ({
		page
	}) => {
		test.setTimeout(90_000);
		const { week } = await practitionerWithWeek(page, 'grid-keys');
		// Working hours from 07:00: the grid opens there.
		await page.goto('/settings/calendar');
		await page.getByLabel('Day starts at').fill('07:00');
		await page.getByLabel('Day ends at').fill('18:30');
		await page.getByRole('button', { name: 'Save working hours' }).click();
		await expect(
			page.getByText('Saved. The calendar opens at the start of your day.')
		).toBeVisible();
		const calendar = new CalendarGridPage(page);
		await calendar.goto('week', week[0]);
		await expect.poll(() => calendar.grid.evaluate((grid) => grid.scrollTop)).toBe(7 * 48);

		await calendar.tapSlot(week[5]!, '15:00');
		await expect(page).toHaveURL(`/sessions/new?date=${week[5]}&time=15:00`);
		await expect(page.getByLabel('Date', { exact: true })).toHaveValue(week[5]!);
		await expect(page.getByLabel('Start time')).toHaveValue('15:00');

		await calendar.goto('week', week[0]);
		const nextMonday = new Date(Date.parse(`${week[0]}T00:00:00Z`) + 7 * 86_400_000)
			.toISOString()
			.slice(0, 10);
		await page.keyboard.press('ArrowRight');
		await expect(page).toHaveURL(`/calendar?view=week&date=${nextMonday}`);
		await expect(calendar.column(nextMonday)).toBeVisible();
		await page.keyboard.press('t');
		await expect(page).toHaveURL(`/calendar?view=week&date=${isoDate(0)}`);

		await page.keyboard.press('?');
		await expect(calendar.shortcuts).toBeVisible();
		await expect(calendar.shortcuts).toContainText('New session');
		await page.keyboard.press('Escape');
		await expect(calendar.shortcuts).toBeHidden();

		await page.keyboard.press('n');
		await expect(page).toHaveURL('/sessions/new');
		// Typed into a field, "t" is a letter, not a shortcut.
		await page.getByLabel('Fee').fill('');
		await page.getByLabel('Fee').press('t');
		await expect(page.getByLabel('Fee')).toHaveValue('t');
		await expect(page).toHaveURL('/sessions/new');

		await page.getByLabel('Fee').blur();
		await page.keyboard.press('/');
		await expect(page).toHaveURL('/clients');
		await expect(page.locator('#client-search')).toBeFocused();
	});

	test('a session added on another device appears without a reload', async ({
		page,
		browser,
		baseURL
	}) => {
		test.setTimeout(90_000);
		const { account, week, ana } = await practitionerWithWeek(page, 'grid-live');
		const calendar = new CalendarGridPage(page);
		await calendar.goto('week', week[0]);
		await new AppShell(page).expectLive();

		const other = await browser.newContext({ baseURL });
		try {
			const tablet = await other.newPage();
			const signIn = new SignInPage(tablet);
			await signIn.goto();
			await signIn.signIn(account.email, account.password);
			await expect(tablet).toHaveURL(/\/dashboard$/);
			const lee = await createClient(tablet.request, { name: uniqueName('Lee') });
			await createSession(tablet.request, { clientId: lee.id, date: week[3]!, startTime: '09:00' });
			await calendar.expectAt(lee.name, week[3]!, '09:00');
			await calendar.expectAt(ana.name, week[1]!, '10:00');
		} finally {
			await other.close();
		}
	});

	test('is accessible in light and dark at desktop, tablet and phone sizes; a phone gets a list, a wide screen today beside it', async ({
		page
	}) => {
		test.setTimeout(180_000);
		const { ana } = await practitionerWithWeek(page, 'grid-axe');
		await createSession(page.request, {
			clientId: ana.id,
			date: isoDate(0),
			startTime: '23:00',
			durationMinutes: 30
		});
		const calendar = new CalendarGridPage(page);
		for (const colorScheme of ['light', 'dark'] as const) {
			await page.emulateMedia({ colorScheme });
			for (const view of ['week', 'day', 'month'] as const) {
				await calendar.goto(view);
				for (const size of [
					{ width: 1280, height: 800 },
					{ width: 1180, height: 820 },
					{ width: 820, height: 1180 },
					{ width: 390, height: 844 }
				]) {
					await page.setViewportSize(size);
					const where = `${view} ${colorScheme} ${size.width}×${size.height}`;
					if (view === 'month') {
						await expect(size.width < 640 ? calendar.agenda : calendar.monthGrid).toBeVisible();
					} else if (view === 'week' && size.width < 640) {
						await expect(calendar.agenda).toBeVisible();
						await expect(calendar.grid).toHaveCount(0);
					} else {
						await expect(calendar.grid).toBeVisible();
					}
					await expect(calendar.todayPanel).toBeVisible({ visible: size.width >= 1100 });
					if (size.width >= 1100) await expect(calendar.todayPanel).toContainText(ana.name);
					expect.soft(await seriousViolations(page), where).toEqual([]);
					expect.soft(await sidewaysOverflow(page), where).toBe(0);
					if (SHOTS_DIR) {
						await page.screenshot({
							path: `${SHOTS_DIR}/calendar-${view}-${colorScheme}-${size.width}x${size.height}.png`
						});
					}
				}
				await page.setViewportSize({ width: 1280, height: 800 });
			}
		}
		await page.emulateMedia({ colorScheme: 'light' });
		await calendar.goto('day');
		await expect(page.getByTestId('now-line')).toHaveCount(1);
		await expect(page.locator('[aria-current="date"]').filter({ visible: true })).toHaveCount(1);
	});
});
