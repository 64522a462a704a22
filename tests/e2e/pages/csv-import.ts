import { expect, type Locator, type Page } from '@playwright/test';

/** /clients/import and /sessions/import: choose a file, preview it, map its columns, import. */
export class CsvImportPage {
	readonly file: Locator;
	readonly previewButton: Locator;
	readonly importButton: Locator;
	readonly preview: Locator;
	readonly problems: Locator;
	readonly problemsHeading: Locator;
	readonly imported: Locator;

	constructor(readonly page: Page) {
		this.file = page.getByLabel('CSV file');
		this.previewButton = page.getByRole('button', { name: /^(Preview|Read the file again)$/ });
		this.importButton = page.getByRole('button', { name: /^Import \d/ });
		this.preview = page.getByTestId('import-preview');
		this.problems = page.getByTestId('import-errors').locator('tbody tr');
		this.problemsHeading = page.getByRole('heading', { name: /^Nothing was imported/ });
		this.imported = page.getByRole('status').filter({ hasText: /^Imported/ });
	}

	async goto(kind: 'clients' | 'sessions'): Promise<void> {
		await this.page.goto(`/${kind}/import`);
		await expect(this.heading(kind)).toBeVisible();
	}

	heading(kind: 'clients' | 'sessions'): Locator {
		return this.page.getByRole('heading', { name: `Import ${kind}`, level: 1 });
	}

	/** Chooses a file as the file picker would, and reads its preview. */
	async previewFile(name: string, content: string): Promise<void> {
		await this.file.setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(content) });
		await this.previewButton.click();
		await expect(this.preview).toBeVisible();
	}

	/** The select of one field of the mapping, by its label. */
	column(label: string): Locator {
		return this.page.getByLabel(label, { exact: true });
	}

	/** Each problem listed as "row | column | message". */
	async problemLines(): Promise<string[]> {
		const rows = await this.problems.all();
		return Promise.all(
			rows.map(async (row) => (await row.locator('td').allInnerTexts()).join(' | '))
		);
	}
}
