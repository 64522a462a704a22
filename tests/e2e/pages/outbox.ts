import { expect, type Locator, type Page } from '@playwright/test';

/** The pages that emailed links lead to. */
export type LinkPath = '/verify-email' | '/reset-password';

function exactly(text: string): RegExp {
	return new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
}

/** /dev/outbox: where email goes while no SMTP server is configured, newest first. */
export class Outbox {
	constructor(readonly page: Page) {}

	/** The link to `path` in the newest email to `to`, reloading the outbox until it arrives. */
	async link(to: string, path: LinkPath): Promise<Locator> {
		const { page } = this;
		const link = page
			.getByTestId('outbox-email')
			.filter({ has: page.getByTestId('outbox-to').filter({ hasText: exactly(to) }) })
			.locator(`a[href*="${path}?token="]`)
			.first();
		await expect(async () => {
			await page.goto('/dev/outbox');
			await expect(link).toBeVisible({ timeout: 1_000 });
		}).toPass({ timeout: 15_000 });
		return link;
	}

	async linkAddress(to: string, path: LinkPath): Promise<string> {
		const href = await (await this.link(to, path)).getAttribute('href');
		if (!href) throw new Error(`The email to ${to} has a link to ${path} without an address`);
		return href;
	}

	/** Clicks the link in the email, as the person would. */
	async openLink(to: string, path: LinkPath): Promise<void> {
		await (await this.link(to, path)).click();
		await expect(this.page).toHaveURL(new RegExp(`${path}\\?token=`));
	}
}
