import { expect, test, type Locator, type Page } from '@playwright/test';

export const NAV_LABELS = ['Dashboard', 'Clients', 'Sessions', 'Series', 'Billing', 'Settings'];

/** The frame around every signed-in page: navigation, who is signed in, the live connection. */
export class AppShell {
	readonly nav: Locator;
	readonly userName: Locator;
	readonly realtime: Locator;
	readonly signOutButton: Locator;
	/** On a phone, the bottom bar's button that shows the rest of the navigation. */
	readonly moreButton: Locator;
	/** What the More button shows. */
	readonly moreMenu: Locator;

	constructor(readonly page: Page) {
		this.nav = page.getByRole('navigation', { name: 'Main' });
		this.userName = page.getByTestId('user-name');
		this.realtime = page.locator('[data-realtime]');
		// In the navigation, beside the name on a tablet, behind More on a phone: one of them shows.
		this.signOutButton = page.getByRole('button', { name: 'Sign out', exact: true });
		this.moreButton = page.getByRole('button', { name: 'More', exact: true });
		this.moreMenu = page.locator('#more-menu');
	}

	/** On a phone, shows the part of the navigation behind More; elsewhere all of it is in view. */
	async showAllNavigation(): Promise<void> {
		if (!(await this.moreButton.isVisible())) return;
		if ((await this.moreButton.getAttribute('aria-expanded')) === 'true') return;
		await this.moreButton.click();
		await expect(this.moreMenu).toBeVisible();
	}

	navLink(label: string): Locator {
		return this.nav.getByRole('link', { name: label, exact: true });
	}

	async expectSignedInAs(name: string): Promise<void> {
		await expect(this.userName).toHaveText(name);
	}

	/** The socket is connected and authenticated, so events for this user reach this page. */
	async expectLive(): Promise<void> {
		await expect(this.realtime).toHaveAttribute('data-realtime', 'live');
	}

	/**
	 * Opens every page the navigation lists (its own list, so pages added later are visited too),
	 * each as a test step so that a run out of time names the page, and runs `check` once the page
	 * is live.
	 */
	async visitEachNavigationPage(check: (path: string) => Promise<void>): Promise<void> {
		await this.showAllNavigation();
		const links = await this.nav.getByRole('link').all();
		const paths = await Promise.all(
			links.map(async (link) => (await link.getAttribute('href')) ?? '')
		);
		expect(paths).toEqual(expect.arrayContaining(['/dashboard', '/settings']));
		expect(paths, 'every navigation link has an address').not.toContain('');
		for (const path of paths) {
			await test.step(path, async () => {
				const response = await this.page.goto(path);
				expect(response?.status(), `status of ${path}`).toBe(200);
				await expect(this.page.getByRole('heading', { level: 1 })).toBeVisible();
				await this.expectLive();
				await check(path);
			});
		}
	}

	async signOut(): Promise<void> {
		await this.showAllNavigation();
		await this.signOutButton.click();
		await expect(this.page).toHaveURL(/\/sign-in$/);
	}
}
