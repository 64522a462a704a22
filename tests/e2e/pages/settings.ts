import { expect, type Locator, type Page } from '@playwright/test';
import { toast } from '../support/toasts';

export class SettingsPage {
	readonly profile: Locator;
	readonly signIns: Locator;
	readonly appearance: Locator;

	constructor(readonly page: Page) {
		this.profile = page.getByRole('region', { name: 'Profile' });
		this.signIns = page.getByRole('region', { name: "Where you're signed in" });
		this.appearance = page.getByRole('region', { name: 'Appearance' });
	}

	async goto(): Promise<void> {
		await this.page.goto('/settings');
		await expect(this.page.getByRole('heading', { name: 'Settings', level: 1 })).toBeVisible();
	}

	async changeName(name: string): Promise<void> {
		await this.profile.getByLabel('Name', { exact: true }).fill(name);
		await this.profile.getByRole('button', { name: 'Save profile' }).click();
		await expect(toast(this.page, 'Saved.')).toBeVisible();
	}

	/** Sets how dates are written: a locale of the list, and `locale`, `12` or `24` for the clock. */
	async chooseDateFormat(locale: string, clock: string): Promise<void> {
		await this.profile.getByLabel('Date format', { exact: true }).selectOption(locale);
		await this.profile.getByLabel('Clock', { exact: true }).selectOption(clock);
		await this.profile.getByRole('button', { name: 'Save profile' }).click();
		await expect(toast(this.page, 'Saved.')).toBeVisible();
	}

	/** One choice of the Appearance section's colour scheme: System, Light or Dark. */
	colorScheme(label: 'System' | 'Light' | 'Dark'): Locator {
		return this.appearance.getByRole('radio', { name: label });
	}

	async chooseColorScheme(label: 'System' | 'Light' | 'Dark'): Promise<void> {
		await this.colorScheme(label).check();
		await this.appearance.getByRole('button', { name: 'Save appearance' }).click();
		await expect(this.appearance.getByRole('status')).toHaveText('Saved.');
	}

	/** Ends every other sign-in; `count` is how many the page should say it ended. */
	async signOutOtherDevices(count: number): Promise<void> {
		await this.signIns.getByRole('button', { name: 'Sign out of all other devices' }).click();
		await this.page
			.getByRole('dialog', { name: 'Sign out of all other devices?' })
			.getByRole('button', { name: 'Sign out the others' })
			.click();
		const devices = count === 1 ? 'device' : 'devices';
		await expect(this.signIns.getByRole('status')).toHaveText(
			`Signed out of ${count} other ${devices}.`
		);
	}
}
