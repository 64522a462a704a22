import { expect, type Locator, type Page } from '@playwright/test';

/** /dashboard: today's and this week's counts, what is unpaid, and the coming week. */
export class DashboardPage {
	readonly todayCount: Locator;
	readonly weekCount: Locator;
	readonly unpaidTotal: Locator;
	readonly upcoming: Locator;
	readonly nothingScheduled: Locator;

	constructor(readonly page: Page) {
		this.todayCount = page.getByTestId('today-count');
		this.weekCount = page.getByTestId('week-count');
		this.unpaidTotal = page.getByTestId('unpaid-total');
		this.upcoming = page.getByTestId('upcoming');
		this.nothingScheduled = page.getByText('Nothing scheduled.');
	}

	async goto(): Promise<void> {
		await this.page.goto('/dashboard');
		await expect(this.page.getByRole('heading', { name: 'Dashboard', level: 1 })).toBeVisible();
	}

	/** A session in the coming week's list, by its client. */
	session(clientName: string): Locator {
		return this.upcoming.getByRole('link').filter({ hasText: clientName });
	}

	/** A group series' date in the coming week's list, by the series' title. */
	groupDate(title: string): Locator {
		return this.upcoming.getByTestId('group-date').filter({ hasText: title });
	}
}
