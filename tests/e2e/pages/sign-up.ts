import type { Locator, Page } from '@playwright/test';
import type { Account } from '../support/accounts';

export class SignUpPage {
	/** Shown in place of the form once the account exists and the link is on its way. */
	readonly checkYourEmail: Locator;

	constructor(readonly page: Page) {
		this.checkYourEmail = page.getByRole('heading', { name: 'Check your email' });
	}

	async goto(): Promise<void> {
		await this.page.goto('/sign-up');
	}

	async signUp(account: Account): Promise<void> {
		const { page } = this;
		await page.getByLabel('Your name', { exact: true }).fill(account.name);
		await page.getByLabel('Email', { exact: true }).fill(account.email);
		await page.getByLabel('Password', { exact: true }).fill(account.password);
		await page.getByLabel('I am 16 or older').check();
		await page.getByRole('button', { name: 'Create account' }).click();
	}
}
