import { expect, type Locator, type Page } from '@playwright/test';

export class ForgotPasswordPage {
	constructor(readonly page: Page) {}

	/** Asks for a reset link; the answer reads the same whether or not the address has an account. */
	async requestLink(email: string): Promise<void> {
		const { page } = this;
		await page.getByLabel('Email', { exact: true }).fill(email);
		await page.getByRole('button', { name: 'Send the link' }).click();
		await expect(page.getByRole('status')).toContainText(
			`If ${email} belongs to an account, we have sent it a link`
		);
	}
}

export class ResetPasswordPage {
	readonly linkRefused: Locator;

	constructor(readonly page: Page) {
		this.linkRefused = page
			.getByRole('alert')
			.filter({ hasText: 'This reset link is invalid, already used or expired.' });
	}

	async choosePassword(password: string): Promise<void> {
		await this.page.getByLabel('New password', { exact: true }).fill(password);
		await this.page.getByRole('button', { name: 'Save and sign in' }).click();
	}
}
