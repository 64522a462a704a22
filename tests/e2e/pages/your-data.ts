import { expect, type Download, type Locator, type Page } from '@playwright/test';

/** /settings/data: download everything, and delete the account. */
export class YourDataPage {
	readonly download: Locator;
	readonly deletion: Locator;
	readonly password: Locator;
	readonly deleteButton: Locator;

	constructor(readonly page: Page) {
		this.download = page.getByRole('button', { name: 'Download all my data (ZIP)' });
		this.deletion = page.getByRole('region', { name: 'Delete your account' });
		this.password = this.deletion.getByLabel('Your password, to confirm', { exact: true });
		this.deleteButton = this.deletion.getByRole('button', {
			name: 'Delete my account and all its data'
		});
	}

	async goto(): Promise<void> {
		await this.page.goto('/settings/data');
		await expect(this.page.getByRole('heading', { name: 'Your data', level: 1 })).toBeVisible();
	}

	/** Starts the download and waits until the browser has it. */
	async downloadAll(): Promise<Download> {
		const [download] = await Promise.all([
			this.page.waitForEvent('download'),
			this.download.click()
		]);
		return download;
	}

	async deleteAccount(password: string): Promise<void> {
		await this.password.fill(password);
		await this.deleteButton.click();
	}
}

/** The Email section of /settings (the Account page). */
export class ChangeEmailForm {
	readonly section: Locator;
	readonly currentEmail: Locator;

	constructor(readonly page: Page) {
		this.section = page.getByRole('region', { name: 'Email', exact: true });
		this.currentEmail = this.section.getByTestId('current-email');
	}

	async requestChange(newEmail: string, password: string): Promise<void> {
		await this.section.getByLabel('New email', { exact: true }).fill(newEmail);
		await this.section.getByLabel('Current password', { exact: true }).fill(password);
		await this.section.getByRole('button', { name: 'Change email' }).click();
		await expect(this.section.getByRole('status')).toHaveText(
			`We sent a link to ${newEmail}. Your email changes when you follow it (within 24 hours).`
		);
	}
}
