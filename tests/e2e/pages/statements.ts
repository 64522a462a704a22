import { expect, type Locator, type Page } from '@playwright/test';
import { toast } from '../support/toasts';

/** Settings → Practice details: what statements carry at the top. */
export class PracticeDetailsPage {
	readonly name: Locator;
	readonly address: Locator;
	readonly taxId: Locator;

	constructor(readonly page: Page) {
		this.name = page.getByLabel('Practice name', { exact: true });
		this.address = page.getByLabel('Postal address', { exact: true });
		this.taxId = page.getByLabel('Tax id', { exact: true });
	}

	async goto(): Promise<void> {
		await this.page.goto('/settings/practice');
		await expect(
			this.page.getByRole('heading', { name: 'Practice details', level: 1 })
		).toBeVisible();
	}

	async save(details: { name: string; address: string; taxId: string }): Promise<void> {
		await this.name.fill(details.name);
		await this.address.fill(details.address);
		await this.taxId.fill(details.taxId);
		await this.page.getByRole('button', { name: 'Save practice details' }).click();
		await expect(toast(this.page, 'Saved.')).toBeVisible();
	}
}

/** Billing → Unpaid sessions: tick sessions and mark them paid on one date. */
export class UnpaidPage {
	readonly paidOn: Locator;
	readonly selectAll: Locator;

	constructor(readonly page: Page) {
		this.paidOn = page.getByLabel('Paid on', { exact: true });
		this.selectAll = page.getByRole('checkbox', { name: /^Select all \d+ sessions$/ });
	}

	async goto(): Promise<void> {
		await this.page.goto('/billing/unpaid');
		await expect(
			this.page.getByRole('heading', { name: 'Unpaid sessions', level: 1 })
		).toBeVisible();
	}

	/** A client's group of sessions. */
	client(name: string): Locator {
		return this.page.getByRole('group', { name });
	}

	/** The checkboxes of one client's sessions, in time order. */
	sessionBoxes(clientName: string): Locator {
		return this.client(clientName).locator('input[name="ids"]');
	}

	async markPaid(paidOn: string, count: number): Promise<void> {
		await this.paidOn.fill(paidOn);
		await this.page.getByRole('button', { name: `Mark ${count} paid` }).click();
		await expect(this.page.getByRole('status').filter({ hasText: /^Marked / })).toHaveText(
			`Marked ${count} session${count === 1 ? '' : 's'} paid.`
		);
	}
}

/** Billing → Statements: choose a client and a period. */
export class StatementChoicePage {
	constructor(readonly page: Page) {}

	async goto(): Promise<void> {
		await this.page.goto('/billing/statements');
		await expect(this.page.getByRole('heading', { name: 'Statements', level: 1 })).toBeVisible();
	}

	async open(clientName: string, from: string, to: string): Promise<void> {
		await this.page.getByLabel('Client', { exact: true }).selectOption({ label: clientName });
		await this.page.getByRole('radio', { name: 'Custom dates' }).check();
		await this.page.getByLabel('First day', { exact: true }).fill(from);
		await this.page.getByLabel('Last day', { exact: true }).fill(to);
		await this.page.getByRole('button', { name: 'Open statement' }).click();
		await expect(this.page).toHaveURL(/\/billing\/statements\/[0-9a-f-]{36}\?from=/);
	}
}

/** One client's statement: the printable page. */
export class StatementPage {
	readonly sessions: Locator;
	readonly payments: Locator;
	readonly balance: Locator;
	readonly printButton: Locator;
	readonly downloadLink: Locator;

	constructor(readonly page: Page) {
		this.sessions = page.getByRole('region', { name: 'Sessions' });
		this.payments = page.getByRole('region', { name: 'Payments received' });
		this.balance = page.getByRole('region', { name: 'Balance' });
		this.printButton = page.getByRole('button', { name: 'Print' });
		this.downloadLink = page.getByRole('link', { name: 'Download PDF' });
	}

	balanceIn(currency: string): Locator {
		return this.balance.getByRole('table', { name: `Balance in ${currency}` });
	}

	/** Downloads the PDF; returns its suggested file name and its bytes. */
	async downloadPdf(): Promise<{ fileName: string; bytes: Buffer }> {
		const [download] = await Promise.all([
			this.page.waitForEvent('download'),
			this.downloadLink.click()
		]);
		const stream = await download.createReadStream();
		const chunks: Buffer[] = [];
		for await (const chunk of stream) chunks.push(chunk as Buffer);
		return { fileName: download.suggestedFilename(), bytes: Buffer.concat(chunks) };
	}
}
