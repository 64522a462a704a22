import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, type Locator, type Page } from '@playwright/test';

/** The pages that emailed links lead to. */
export type LinkPath = '/verify-email' | '/reset-password' | '/confirm-email';

function exactly(text: string): RegExp {
	return new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
}

/**
 * The outbox's key, which the app writes at start to DATA_DIR/outbox-key (see serve.sh), readable
 * by the user who started it: the tests run as that user. Read at each visit, so a restarted
 * app's new key is used.
 */
export const OUTBOX_KEY_FILE = fileURLToPath(
	new URL('../.output/data/outbox-key', import.meta.url)
);

/** The outbox's address with its key, as the app prints it at start. */
export function outboxAddress(): string {
	return `/dev/outbox?key=${readFileSync(OUTBOX_KEY_FILE, 'utf8').trim()}`;
}

/** /dev/outbox: where email goes while no SMTP server is configured, newest first. */
export class Outbox {
	constructor(readonly page: Page) {}

	/** Reloads the outbox until `locator` shows: email leaves through a background job. */
	private async waitFor(locator: Locator): Promise<void> {
		await expect(async () => {
			await this.page.goto(outboxAddress());
			await expect(locator).toBeVisible({ timeout: 1_000 });
		}).toPass({ timeout: 15_000 });
	}

	/** Every email to `to` in the outbox as it is now, or only those whose subject matches. */
	emailsTo(to: string, subject?: string | RegExp): Locator {
		const { page } = this;
		const emails = page
			.getByTestId('outbox-email')
			.filter({ has: page.getByTestId('outbox-to').filter({ hasText: exactly(to) }) });
		if (subject === undefined) return emails;
		const name = typeof subject === 'string' ? exactly(subject) : subject;
		return emails.filter({ has: page.getByRole('heading', { level: 2, name }) });
	}

	/** The newest email to `to` with this subject, reloading the outbox until it arrives. */
	async email(to: string, subject: string | RegExp): Promise<Locator> {
		const email = this.emailsTo(to, subject).first();
		await this.waitFor(email);
		return email;
	}

	/** The link to `path` in the newest email to `to`, reloading the outbox until it arrives. */
	async link(to: string, path: LinkPath): Promise<Locator> {
		const link = this.emailsTo(to).locator(`a[href*="${path}?token="]`).first();
		await this.waitFor(link);
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
