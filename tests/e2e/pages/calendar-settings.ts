import { expect, type Locator, type Page } from '@playwright/test';
import { toast } from '../support/toasts';

/** Settings → Calendar: the private feed and the import of an .ics file. */
export class CalendarSettingsPage {
	readonly feed: Locator;
	readonly imports: Locator;
	readonly feedUrl: Locator;
	readonly events: Locator;

	constructor(readonly page: Page) {
		this.feed = page.getByRole('region', { name: 'Calendar feed' });
		this.imports = page.getByRole('region', { name: 'Import from a calendar file' });
		this.feedUrl = this.feed.getByLabel('Your feed address');
		this.events = this.imports.getByTestId('import-event');
	}

	async goto(): Promise<void> {
		await this.page.goto('/settings/calendar');
		await expect(this.page.getByRole('heading', { name: 'Calendar', level: 1 })).toBeVisible();
	}

	/** Creates the feed and returns its address, shown this once. */
	async createFeed(): Promise<string> {
		await this.feed.getByRole('button', { name: 'Create feed address' }).click();
		await expect(this.feedUrl).toBeVisible();
		return this.feedUrl.inputValue();
	}

	/** Replaces the address after the confirming step; returns the new one. */
	async rotateFeed(): Promise<string> {
		const old = await this.feedUrl.inputValue().catch(() => null);
		await this.feed.getByRole('button', { name: 'Get a new address' }).click();
		await this.page
			.getByRole('dialog', { name: 'Get a new feed address?' })
			.getByRole('button', { name: 'Get a new address' })
			.click();
		await expect(this.feedUrl).toBeVisible();
		if (old) await expect(this.feedUrl).not.toHaveValue(old);
		return this.feedUrl.inputValue();
	}

	async showFullNames(on: boolean): Promise<void> {
		await this.feed.getByLabel('Show clients’ full names in the feed').setChecked(on);
		await this.feed.getByRole('button', { name: 'Save' }).click();
		await expect(toast(this.page, /^Saved\./)).toBeVisible();
	}

	/** Uploads a calendar file and waits for its events. */
	async preview(name: string, ics: string): Promise<void> {
		await this.imports.getByLabel('Calendar file (.ics)').setInputFiles({
			name,
			mimeType: 'text/calendar',
			buffer: Buffer.from(ics)
		});
		await this.imports.getByRole('button', { name: 'Show the events' }).click();
		await expect(this.events.first()).toBeVisible();
	}

	/** One event of the preview, by its title and the time shown under it. */
	event(title: string, when?: string): Locator {
		const row = this.events.filter({ hasText: title });
		return when ? row.filter({ hasText: when }) : row;
	}

	async importChosen(count: number): Promise<void> {
		const sessions = count === 1 ? '1 session' : `${count} sessions`;
		await this.imports.getByRole('button', { name: `Import ${sessions}` }).click();
	}
}
