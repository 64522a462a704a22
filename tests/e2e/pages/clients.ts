import { expect, type Locator, type Page } from '@playwright/test';
import { UUID } from '../support/practice';

/** /clients: the list, its as-you-type search and its filters. */
export class ClientsPage {
	readonly list: Locator;
	readonly search: Locator;
	readonly tag: Locator;
	readonly show: Locator;
	readonly noClientsYet: Locator;

	constructor(readonly page: Page) {
		this.list = page.getByTestId('client-list');
		this.search = page.getByRole('searchbox', { name: 'Search' });
		this.tag = page.getByLabel('Tag', { exact: true });
		this.show = page.getByLabel('Show', { exact: true });
		this.noClientsYet = page.getByText('No clients yet.');
	}

	async goto(): Promise<void> {
		await this.page.goto('/clients');
		await expect(this.page.getByRole('heading', { name: 'Clients', level: 1 })).toBeVisible();
	}

	/** A client's entry in the list; its accessible name starts with the client's name. */
	client(name: string): Locator {
		return this.list.getByRole('link', { name });
	}

	/** Every entry in the list (empty when the page says there are none). */
	get entries(): Locator {
		return this.list.getByRole('link');
	}
}

export type ClientFields = {
	name: string;
	email?: string;
	phone?: string;
	tags?: string;
	notes?: string;
};

/** /clients/new */
export class NewClientPage {
	constructor(readonly page: Page) {}

	async goto(): Promise<void> {
		await this.page.goto('/clients/new');
		await expect(this.page.getByRole('heading', { name: 'New client', level: 1 })).toBeVisible();
	}

	/** Fills the form, adds the client and waits for their page; returns their id. */
	async create(client: ClientFields): Promise<string> {
		const { page } = this;
		await page.getByLabel('Name', { exact: true }).fill(client.name);
		if (client.email) await page.getByLabel('Email (optional)').fill(client.email);
		if (client.phone) await page.getByLabel('Phone (optional)').fill(client.phone);
		if (client.tags) await page.getByLabel('Tags (optional)').fill(client.tags);
		if (client.notes) await page.getByLabel('Notes (optional)').fill(client.notes);
		await page.getByRole('button', { name: 'Add client' }).click();
		await expect(page).toHaveURL(new RegExp(`/clients/${UUID.source}$`));
		await expect(page.getByRole('heading', { name: client.name, level: 1 })).toBeVisible();
		return new URL(page.url()).pathname.split('/').pop()!;
	}
}

/** /clients/<id> */
export class ClientPage {
	readonly archiveButton: Locator;
	readonly restoreButton: Locator;
	readonly owes: Locator;
	readonly history: Locator;

	constructor(readonly page: Page) {
		this.archiveButton = page.getByRole('button', { name: 'Archive', exact: true });
		this.restoreButton = page.getByRole('button', { name: 'Restore', exact: true });
		this.owes = page.getByTestId('client-owes');
		this.history = page.getByTestId('client-history');
	}

	async goto(id: string): Promise<void> {
		await this.page.goto(`/clients/${id}`);
		await expect(this.page.getByRole('heading', { level: 1 })).toBeVisible();
	}

	async archive(): Promise<void> {
		await this.archiveButton.click();
		await expect(this.restoreButton).toBeVisible();
	}
}
