import { expect, type Locator, type Page } from '@playwright/test';

export const NAV_LABELS = ['Dashboard', 'Clients', 'Sessions', 'Series', 'Billing', 'Settings'];

/** The frame around every signed-in page: navigation, who is signed in, the live connection. */
export class AppShell {
	readonly nav: Locator;
	readonly userName: Locator;
	readonly realtime: Locator;
	readonly signOutButton: Locator;
	/** On a phone, the disclosure button in front of the navigation. */
	readonly menuButton: Locator;

	constructor(readonly page: Page) {
		this.nav = page.getByRole('navigation', { name: 'Main' });
		this.userName = page.getByTestId('user-name');
		this.realtime = page.locator('[data-realtime]');
		this.signOutButton = this.nav.getByRole('button', { name: 'Sign out', exact: true });
		this.menuButton = page.getByRole('button', { name: 'Menu', exact: true });
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

	async signOut(): Promise<void> {
		await this.signOutButton.click();
		await expect(this.page).toHaveURL(/\/sign-in$/);
	}
}
