import { expect, test } from '@playwright/test';
import { AppShell, NAV_LABELS } from './pages/app-shell';
import { newAccount, signUpAndConfirm } from './support/accounts';
import { sidewaysOverflow } from './support/layout';

/** WCAG 2.5.5's and Apple's minimum for something a finger has to hit. */
const MIN_TOUCH_TARGET = 44;

test.describe('Tablet, 820×1180 with touch', () => {
	test.use({ viewport: { width: 820, height: 1180 }, hasTouch: true });

	test('the navigation is in view, finger-sized and works by touch; no page scrolls sideways', async ({
		page
	}) => {
		await signUpAndConfirm(page, newAccount('tablet'));
		const shell = new AppShell(page);
		await expect(shell.nav).toBeInViewport();
		for (const label of NAV_LABELS) await expect(shell.navLink(label)).toBeVisible();

		// Every entry the navigation has, including any added after this test was written.
		const links = await shell.nav.getByRole('link').all();
		const targets = [...links, shell.signOutButton];
		for (const target of targets) {
			const label = await target.innerText();
			await expect(target, label).toBeInViewport();
			const box = await target.boundingBox();
			expect(box?.height, `height of ${label}`).toBeGreaterThanOrEqual(MIN_TOUCH_TARGET);
		}
		expect(await sidewaysOverflow(page), 'sideways overflow on the dashboard').toBeLessThanOrEqual(
			0
		);

		for (const link of links) {
			const [label, href] = await Promise.all([link.innerText(), link.getAttribute('href')]);
			await link.tap();
			await expect(page).toHaveURL(new RegExp(`${href}$`));
			await expect(shell.nav, `the app's navigation on ${href}`).toBeVisible();
			await expect(link, label).toHaveAttribute('aria-current', 'page');
			await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
			expect(await sidewaysOverflow(page), `sideways overflow on ${href}`).toBeLessThanOrEqual(0);
		}
	});
});
