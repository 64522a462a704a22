import { expect, test } from '@playwright/test';
import { IntegrationsSettingsPage } from './pages/integrations-settings';
import { newAccount, signUpAndConfirm } from './support/accounts';
import { expectAccessibleAtBothSizes } from './support/axe';
import { controlFakeZoom } from './support/fake-zoom';

/** Changes reach open pages over socket.io: generous, for a loaded two-core machine. */
const LIVE = { timeout: 15_000 };

test('a practitioner connects Zoom through its consent page, sees a refused refresh on the open dashboard live, reconnects and disconnects', async ({
	browser,
	baseURL
}) => {
	test.setTimeout(120_000);
	const context = await browser.newContext({ baseURL });
	try {
		const page = await context.newPage();
		await signUpAndConfirm(page, newAccount('zoom-owner', 'Zed Practitioner'));
		// A Zoom user of this test's own, signed in at the fake's consent page.
		const zoomUser = (await controlFakeZoom('addUser', {
			first_name: 'Wren',
			last_name: 'Halloway',
			email: 'wren.halloway@zoom-user.test'
		})) as { id: string };
		await controlFakeZoom('signIn', { userId: zoomUser.id });

		const settings = new IntegrationsSettingsPage(page);
		await test.step('connect through Zoom’s consent page', async () => {
			await settings.openFromSettings();
			await expect(settings.zoom.getByText('Zoom is not connected.')).toBeVisible();
			await settings.connectThroughZoom('Connect Zoom');
			await expect(settings.account).toHaveText(
				/Wren Halloway\s*\(wren\.halloway@zoom-user\.test\)/
			);
			await expectAccessibleAtBothSizes(page, 'zoom-connected');
		});

		await test.step('Zoom refuses the refresh: the open dashboard says so at once', async () => {
			await page.goto('/dashboard');
			await expect(page.getByTestId('zoom-health')).toHaveCount(0);
			await controlFakeZoom('killRefreshTokens', { userId: zoomUser.id });
			await controlFakeZoom('expireAccessTokens', { userId: zoomUser.id });
			// Another tab uses the connection (asking Zoom whose account it is) and meets the refusal.
			const other = await context.newPage();
			await other.goto('/settings/integrations');
			const banner = page.getByTestId('zoom-health');
			await expect(banner).toContainText('no longer accepts', LIVE);
			await expectAccessibleAtBothSizes(page, 'zoom-health-banner');
			await other.reload();
			await expect(other.getByText('Zoom needs reconnecting')).toBeVisible();
			await other.close();
		});

		await test.step('reconnect from the banner: the warning goes', async () => {
			await page.getByTestId('zoom-health').getByRole('link', { name: 'Reconnect Zoom' }).click();
			await page.getByRole('button', { name: 'Allow' }).click();
			await expect(page).toHaveURL(/\/settings\/integrations\?zoom=connected$/);
			await expect(settings.zoom.getByText('Connected', { exact: true })).toBeVisible();
			await page.goto('/dashboard');
			await expect(page.getByTestId('zoom-health')).toHaveCount(0);
		});

		await test.step('disconnect after confirming', async () => {
			await settings.openFromSettings();
			await settings.disconnect();
			await expect(page.getByRole('link', { name: 'Connect Zoom' })).toBeVisible();
			await expectAccessibleAtBothSizes(page, 'zoom-disconnected');
		});
	} finally {
		await context.close();
	}
});
