import { expect, test, type Page } from '@playwright/test';
import { IntegrationsSettingsPage } from './pages/integrations-settings';
import { newAccount, signUpAndConfirm } from './support/accounts';
import { expectAccessibleAtBothSizes } from './support/axe';
import { controlFakeZoom } from './support/fake-zoom';
import { createClient, isoDate, uniqueName, UUID } from './support/practice';
import { screenshots } from './support/shots';

/** Meetings are made by the app's worker and shown over socket.io: generous, for two cores. */
const LIVE = { timeout: 20_000 };

function meetingOf(page: Page) {
	return page.getByTestId('meeting-state');
}

test('Zoom sessions and series dates get meetings made automatically; the pages show each one’s join link, its making, or why it failed', async ({
	browser,
	baseURL
}) => {
	test.setTimeout(180_000);
	const context = await browser.newContext({ baseURL });
	try {
		const page = await context.newPage();
		await signUpAndConfirm(page, newAccount('zoom-meetings', 'Mara Practitioner'));
		const zoomUser = (await controlFakeZoom('addUser', {
			first_name: 'Mara',
			last_name: 'Zoomer',
			email: 'mara.zoomer@zoom-user.test'
		})) as { id: string };
		const client = await createClient(page.request, { name: uniqueName('Ada') });

		await test.step('before Zoom is connected, a Zoom session without a pasted link says how to get one', async () => {
			await page.goto('/sessions/new');
			await page.getByLabel('Client', { exact: true }).selectOption({ label: client.name });
			await page.getByLabel('Date', { exact: true }).fill(isoDate(6));
			await page.getByLabel('Start time', { exact: true }).fill('09:00');
			await page.getByLabel('Where', { exact: true }).selectOption({ label: 'Zoom' });
			await page.getByRole('radio', { name: 'Once' }).check();
			await page.getByRole('button', { name: 'Create', exact: true }).click();
			await expect(page).toHaveURL(new RegExp(`/sessions/${UUID.source}$`));
			await expect(page.getByTestId('no-meeting-link')).toHaveText(
				'No meeting link: connect Zoom in Settings → Integrations or paste a link.'
			);
		});

		await controlFakeZoom('signIn', { userId: zoomUser.id });
		const settings = new IntegrationsSettingsPage(page);
		await settings.openFromSettings();
		await settings.connectThroughZoom('Connect Zoom');

		await test.step('a Zoom session: the form says a meeting is made; its page shows the join link', async () => {
			await page.goto('/sessions/new');
			await page.getByLabel('Client', { exact: true }).selectOption({ label: client.name });
			await page.getByLabel('Date', { exact: true }).fill(isoDate(7));
			await page.getByLabel('Start time', { exact: true }).fill('10:00');
			await page.getByLabel('Where', { exact: true }).selectOption({ label: 'Zoom' });
			await expect(page.getByTestId('zoom-choice-note')).toContainText(
				'A Zoom meeting is made automatically for this session'
			);
			await expect(page.getByLabel('Zoom link (optional)')).toHaveCount(0);
			await page.getByRole('radio', { name: 'Once' }).check();
			await page.getByRole('button', { name: 'Create', exact: true }).click();
			await expect(page).toHaveURL(new RegExp(`/sessions/${UUID.source}$`));
			const id = new URL(page.url()).pathname.split('/').pop()!;
			const join = meetingOf(page).getByRole('link', { name: 'Join link' });
			await expect(join).toBeVisible(LIVE);
			await expect(join).toHaveAttribute('href', `/j/${id}`);
			await screenshots(page, 'session-meeting-ready');
			await expectAccessibleAtBothSizes(page, 'session-meeting-ready');
		});

		await test.step('while Zoom asks to wait, the page says the meeting is being made', async () => {
			await controlFakeZoom('failNext', {
				method: 'POST',
				path: '/v2/users/me/meetings',
				status: '429',
				retryAfter: '20'
			});
			await page.goto('/sessions/new');
			await page.getByLabel('Client', { exact: true }).selectOption({ label: client.name });
			await page.getByLabel('Date', { exact: true }).fill(isoDate(8));
			await page.getByLabel('Start time', { exact: true }).fill('10:00');
			await page.getByLabel('Where', { exact: true }).selectOption({ label: 'Zoom' });
			await page.getByRole('radio', { name: 'Once' }).check();
			await page.getByRole('button', { name: 'Create', exact: true }).click();
			await expect(meetingOf(page)).toContainText('Creating the Zoom meeting…');
			await screenshots(page, 'session-meeting-pending');
			// Once Zoom's Retry-After has passed the meeting is made, and the open page shows it.
			await expect(meetingOf(page).getByRole('link', { name: 'Join link' })).toBeVisible({
				timeout: 45_000
			});
		});

		let seriesId = '';
		await test.step('a Zoom series: each date gets its meeting, shown on the series page', async () => {
			const start = isoDate(3);
			await page.goto('/series/new');
			await page.getByLabel('Title', { exact: true }).fill('Breathing online');
			for (const day of ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']) {
				await page
					.getByRole('group', { name: 'Weekdays' })
					.getByRole('checkbox', { name: day, exact: true })
					.check();
			}
			await page.getByLabel('Time', { exact: true }).fill('18:00');
			await page.getByLabel('First date', { exact: true }).fill(start);
			await page.getByLabel('Ends', { exact: true }).selectOption('After a number of dates');
			await page.getByLabel('Number of dates', { exact: true }).fill('3');
			await page.getByLabel('Where', { exact: true }).selectOption({ label: 'Zoom' });
			await expect(page.getByTestId('zoom-choice-note')).toContainText(
				'A Zoom meeting is made automatically for each date'
			);
			await page.getByRole('button', { name: 'Create draft' }).click();
			await expect(page).toHaveURL(new RegExp(`/series/${UUID.source}$`));
			seriesId = new URL(page.url()).pathname.split('/').pop()!;
			const joins = meetingOf(page).getByRole('link', { name: 'Join link' });
			// A draft gets no meetings; publishing makes them.
			await expect(joins).toHaveCount(0);
			await page.getByRole('button', { name: 'Publish', exact: true }).click();
			await expect(joins).toHaveCount(3, LIVE);
			await screenshots(page, 'series-meetings-ready');
		});

		await test.step('Zoom refuses the connection: a moved date and a new session show why, with the way to mend it', async () => {
			await controlFakeZoom('killRefreshTokens', { userId: zoomUser.id });
			await controlFakeZoom('expireAccessTokens', { userId: zoomUser.id });
			const dates = page.getByRole('region', { name: /^Coming dates/ });
			await dates.getByRole('button', { name: 'Move' }).first().click();
			await dates.getByLabel('New time').fill('19:30');
			await dates.getByRole('button', { name: 'Move and tell subscribers' }).click();
			const failed = meetingOf(page).filter({ hasText: 'No Zoom meeting' });
			await expect(failed).toHaveCount(1, LIVE);
			await expect(failed).toContainText('reconnect it in Settings → Integrations');
			await expect(failed.getByRole('link', { name: 'Settings → Integrations' })).toHaveAttribute(
				'href',
				'/settings/integrations'
			);
			await screenshots(page, 'series-meeting-failed');

			await page.goto('/sessions/new');
			await page.getByLabel('Client', { exact: true }).selectOption({ label: client.name });
			await page.getByLabel('Date', { exact: true }).fill(isoDate(9));
			await page.getByLabel('Start time', { exact: true }).fill('11:00');
			await page.getByLabel('Where', { exact: true }).selectOption({ label: 'Zoom' });
			await page.getByRole('radio', { name: 'Once' }).check();
			await page.getByRole('button', { name: 'Create', exact: true }).click();
			await expect(meetingOf(page)).toContainText('No Zoom meeting', LIVE);
			await screenshots(page, 'session-meeting-failed');
			expect(seriesId).not.toBe('');
		});
	} finally {
		await context.close();
	}
});
