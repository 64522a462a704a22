import { expect, type Locator, type Page } from '@playwright/test';
import { toast } from '../support/toasts';

export type TotalName =
	'held' | 'billed' | 'paid' | 'outstanding' | 'waived' | 'no-shows' | 'late-cancels';

export type ChargeCost = 'full' | 'none' | number;

/** Chooses a charge in a charge choice (ChargeChoice.svelte): full, nothing, or a percentage. */
export async function chooseCharge(within: Locator, cost: ChargeCost): Promise<void> {
	if (cost === 'full') await within.getByLabel('The full fee').check();
	else if (cost === 'none') await within.getByLabel('Nothing').check();
	else {
		await within.getByLabel('A percentage of the fee').check();
		await within.getByLabel('Percentage', { exact: true }).fill(String(cost));
	}
}

/** /billing: a period's totals for the practice and per client, and the 12-month chart. */
export class BillingPage {
	readonly totals: Locator;
	readonly clientTotals: Locator;
	readonly periodLabel: Locator;
	readonly csvLink: Locator;

	constructor(readonly page: Page) {
		this.totals = page.getByTestId('practice-totals');
		this.clientTotals = page.getByTestId('client-totals');
		this.periodLabel = page.getByTestId('period-label');
		this.csvLink = page.getByRole('link', { name: 'Download this summary (CSV)' });
	}

	async goto(query = ''): Promise<void> {
		await this.page.goto(`/billing${query}`);
		await expect(this.page.getByRole('heading', { name: 'Billing', level: 1 })).toBeVisible();
	}

	/** One figure of the practice's totals in a currency, as the page writes it. */
	total(name: TotalName, currency = 'EUR'): Locator {
		return this.totals.locator(`[data-currency="${currency}"]`).getByTestId(`total-${name}`);
	}

	/** The chart's table row for a month ("December 2026"): month, billed, paid. */
	chartRow(monthLabel: string, currency = 'EUR'): Locator {
		return this.page
			.getByTestId(`chart-table-${currency}`)
			.getByRole('row')
			.filter({ has: this.page.getByRole('rowheader', { name: monthLabel, exact: true }) });
	}

	/** The chart's bar of what a month ("2026-12") paid, by its amount in minor units. */
	paidBar(month: string, currency = 'EUR'): Locator {
		return this.page
			.getByTestId(`chart-${currency}`)
			.locator(`rect[data-month="${month}"][data-paid]`);
	}

	async choosePeriod(
		kind: 'Month' | 'Quarter' | 'Year' | 'Custom range',
		from: string,
		to?: string
	) {
		await this.page.getByLabel('Period', { exact: true }).selectOption({ label: kind });
		await this.page.getByLabel(kind === 'Custom range' ? 'From' : 'Any day in it').fill(from);
		if (to) await this.page.getByLabel('To', { exact: true }).fill(to);
		await this.page.getByRole('button', { name: 'Show', exact: true }).click();
	}
}

/** Settings → Cancellation policy. */
export class PolicyPage {
	constructor(readonly page: Page) {}

	async goto(): Promise<void> {
		await this.page.goto('/settings/policy');
		await expect(
			this.page.getByRole('heading', { name: 'Cancellation policy', level: 1 })
		).toBeVisible();
	}

	private charge(legend: 'A no-show costs' | 'A late cancellation costs'): Locator {
		return this.page.getByRole('group', { name: legend });
	}

	/** Sets one charge: `full`, `none`, or a percentage. */
	async setCharge(
		legend: 'A no-show costs' | 'A late cancellation costs',
		cost: ChargeCost
	): Promise<void> {
		await chooseCharge(this.charge(legend), cost);
	}

	async setWindow(hours: number): Promise<void> {
		await this.page.getByLabel('Late-cancel window (hours before the start)').fill(String(hours));
	}

	async save(): Promise<void> {
		await this.page.getByRole('button', { name: 'Save policy' }).click();
		await expect(
			toast(this.page, 'Saved. It applies to statuses you set from now on.')
		).toBeVisible();
	}

	/** The charge chosen in a group: its checked radio's label, and the percentage if any. */
	async expectCharge(
		legend: 'A no-show costs' | 'A late cancellation costs',
		label: string,
		percent?: number
	): Promise<void> {
		const group = this.charge(legend);
		await expect(group.getByLabel(label)).toBeChecked();
		if (percent !== undefined)
			await expect(group.getByLabel('Percentage', { exact: true })).toHaveValue(String(percent));
	}
}
