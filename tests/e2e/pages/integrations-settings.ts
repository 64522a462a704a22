import { expect, type Locator, type Page } from '@playwright/test';

/** /settings/integrations: the practitioner's Zoom connection. */
export class IntegrationsSettingsPage {
	readonly heading: Locator;
	/** The Zoom section: its state, the account Zoom says it is, and the buttons. */
	readonly zoom: Locator;
	readonly account: Locator;

	constructor(readonly page: Page) {
		this.heading = page.getByRole('heading', { name: 'Integrations', level: 1 });
		this.zoom = page.getByTestId('zoom-state');
		this.account = page.getByTestId('zoom-account');
	}

	/** From Settings, through its own navigation, as the practitioner finds it. */
	async openFromSettings(): Promise<void> {
		await this.page.goto('/settings');
		await this.page
			.getByRole('navigation', { name: 'Settings' })
			.getByRole('link', { name: 'Integrations', exact: true })
			.click();
		await expect(this.page).toHaveURL(/\/settings\/integrations$/);
		await expect(this.heading).toBeVisible();
	}

	/** Connect (or Reconnect) Zoom, then Allow on Zoom's consent page (the fake's); back here. */
	async connectThroughZoom(label: 'Connect Zoom' | 'Reconnect Zoom'): Promise<void> {
		await this.page.getByRole('link', { name: label }).click();
		await this.page.getByRole('button', { name: 'Allow' }).click();
		await expect(this.page).toHaveURL(/\/settings\/integrations\?zoom=connected$/);
		await expect(this.page.getByRole('status').getByText('Zoom is connected.')).toBeVisible();
	}

	async disconnect(): Promise<void> {
		await this.zoom.getByRole('button', { name: 'Disconnect…' }).click();
		await this.page
			.getByRole('dialog', { name: 'Disconnect Zoom?' })
			.getByRole('button', { name: 'Disconnect', exact: true })
			.click();
		await expect(this.page.getByText(/^Zoom is disconnected/)).toBeVisible();
	}
}
