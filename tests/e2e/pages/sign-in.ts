import type { Locator, Page } from '@playwright/test';

export class SignInPage {
	readonly wrongCredentials: Locator;
	readonly signedOutNotice: Locator;

	constructor(readonly page: Page) {
		this.wrongCredentials = page
			.getByRole('alert')
			.filter({ hasText: 'That email and password do not match an account.' });
		this.signedOutNotice = page
			.getByRole('alert')
			.filter({ hasText: 'You were signed out on this device' });
	}

	async goto(): Promise<void> {
		await this.page.goto('/sign-in');
	}

	async signIn(email: string, password: string): Promise<void> {
		const { page } = this;
		await page.getByLabel('Email', { exact: true }).fill(email);
		await page.getByLabel('Password', { exact: true }).fill(password);
		await page.getByRole('button', { name: 'Sign in', exact: true }).click();
	}
}
