import { expect, type Locator, type Page } from '@playwright/test';
import { UUID } from '../support/practice';

export type SeriesFields = {
	title: string;
	/** The public address's last part; the app makes one from the title when this is left out. */
	slug?: string;
	/** YYYY-MM-DD, the first date. The series meets weekly on this date's weekday. */
	startDate: string;
	/** HH:MM, in the series' time zone (the practitioner's own, which the form starts with). */
	startTime: string;
	capacity: number;
	address: string;
	/** How many weekly dates; without it, the series has no end. */
	dates?: number;
	/** A paid series' price; without it, the series is free. */
	price?: SeriesPrice;
};

export type SeriesPrice = {
	/** As typed into the form, in the currency's major unit: "25.00". */
	amount: string;
	/** ISO code, as the currency list offers it: "EUR". */
	currency: string;
	/** How the form's "Charged" list names the interval (INTERVAL_LABELS in src/lib/money.ts). */
	charged: 'per month' | 'every 4 weeks';
};

/** The form's weekday boxes, in the order of Date#getUTCDay. */
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;

export function weekdayOf(isoDate: string): (typeof WEEKDAYS)[number] {
	return WEEKDAYS[new Date(`${isoDate}T00:00:00Z`).getUTCDay()]!;
}

/** /series/new */
export class NewSeriesPage {
	constructor(readonly page: Page) {}

	async goto(): Promise<void> {
		await this.page.goto('/series/new');
		await expect(this.page.getByRole('heading', { name: 'New series', level: 1 })).toBeVisible();
	}

	/** Fills the form, creates the draft and waits for its page; returns the series' id. */
	async create(series: SeriesFields): Promise<string> {
		const { page } = this;
		await page.getByLabel('Title', { exact: true }).fill(series.title);
		if (series.slug) await page.getByLabel('Public address (optional)').fill(series.slug);
		await page
			.getByRole('group', { name: 'Weekdays' })
			.getByRole('checkbox', { name: weekdayOf(series.startDate), exact: true })
			.check();
		await page.getByLabel('Time', { exact: true }).fill(series.startTime);
		await page.getByLabel('Places', { exact: true }).fill(String(series.capacity));
		await page.getByLabel('First date', { exact: true }).fill(series.startDate);
		if (series.dates !== undefined) {
			await page.getByLabel('Ends', { exact: true }).selectOption('After a number of dates');
			await page.getByLabel('Number of dates', { exact: true }).fill(String(series.dates));
		}
		await page.getByLabel('Address', { exact: true }).fill(series.address);
		if (series.price) {
			const pricing = page.getByRole('group', { name: 'Price' });
			await pricing.getByRole('radio', { name: 'Paid', exact: true }).check();
			await pricing.getByLabel('Amount', { exact: true }).fill(series.price.amount);
			await pricing.getByLabel('Currency', { exact: true }).selectOption(series.price.currency);
			await pricing
				.getByLabel('Charged', { exact: true })
				.selectOption({ label: series.price.charged });
		}
		await page.getByRole('button', { name: 'Create draft' }).click();
		await expect(page).toHaveURL(new RegExp(`/series/${UUID.source}$`));
		await expect(page.getByRole('heading', { name: series.title, level: 1 })).toBeVisible();
		return new URL(page.url()).pathname.split('/').pop()!;
	}
}

/** How the subscriber list names each status (src/routes/(app)/series/[id]/+page.svelte). */
export const SUBSCRIBER_STATUS = {
	pending: 'To confirm',
	held: 'Paying now',
	active: 'Has a place',
	waitlisted: 'Waitlist',
	left: 'Left'
} as const;
/** Added to the status of someone who unsubscribed from the series' emails. */
export const NO_EMAILS = ' · no emails';

/** /series/<id>: the practitioner's view of one series, kept live over socket.io. */
export class SeriesPage {
	readonly publishButton: Locator;
	readonly unpublishButton: Locator;
	readonly archiveButton: Locator;
	/** "<active> / <capacity>" */
	readonly placesTaken: Locator;
	readonly subscribers: Locator;
	readonly nobodyYet: Locator;
	readonly dates: Locator;

	constructor(readonly page: Page) {
		this.publishButton = page.getByRole('button', { name: 'Publish', exact: true });
		this.unpublishButton = page.getByRole('button', { name: 'Unpublish', exact: true });
		this.archiveButton = page.getByRole('button', { name: 'Archive', exact: true });
		this.placesTaken = page.getByTestId('places-taken');
		this.subscribers = page.getByRole('region', { name: 'Subscribers' });
		this.nobodyYet = this.subscribers.getByText('Nobody has signed up yet.');
		this.dates = page.getByRole('region', { name: /^Coming dates/ });
	}

	async goto(id: string): Promise<void> {
		await this.page.goto(`/series/${id}`);
		await expect(this.page.getByRole('heading', { level: 1 })).toBeVisible();
	}

	/** Opens the series for signups; the page then links to its public page. */
	async publish(): Promise<void> {
		await this.publishButton.click();
		await expect(this.unpublishButton).toBeVisible();
		await expect(this.publicLink).toBeVisible();
	}

	/** Closes the series: its public page stays, and takes no new signups. */
	async archive(): Promise<void> {
		await this.archiveButton.click();
		await expect(this.archiveButton).toHaveCount(0);
		await expect(this.publishButton).toBeVisible();
	}

	/** Shown once the series is published: the public page's address, written out. */
	get publicLink(): Locator {
		return this.page.getByRole('link', { name: /\/s\/[a-z0-9-]+$/ });
	}

	/** The public page's path, /s/<slug>, read from the link a published series shows. */
	async publicPath(): Promise<string> {
		const href = await this.publicLink.getAttribute('href');
		if (!href) throw new Error('The series page links to its public page without an address');
		return new URL(href).pathname;
	}

	/** One person's entry in the subscriber list, by their email. */
	subscriber(email: string): Locator {
		return this.subscribers.getByRole('listitem').filter({ hasText: email });
	}

	subscriberStatus(email: string): Locator {
		return this.subscriber(email).getByTestId('subscriber-status');
	}

	/** Where a subscriber's payment stands: "Paid until …", "Past due", "Ends …", "Ended". */
	subscriberPayment(email: string): Locator {
		return this.subscriber(email).getByTestId('subscriber-payment');
	}

	/** The question an action that emails or removes people asks first, as a dialog. */
	confirmStep(name: string | RegExp): Locator {
		return this.page.getByRole('dialog', { name });
	}

	/** Cancels the first coming date that is still on, which emails everyone still subscribed. */
	async cancelFirstDate(): Promise<void> {
		const cancel = this.dates.getByRole('button', { name: 'Cancel date' });
		const before = await cancel.count();
		await cancel.first().click();
		await this.confirmStep(/^Cancel the date on /)
			.getByRole('button', { name: 'Cancel the date and email everyone' })
			.click();
		await expect(cancel).toHaveCount(before - 1);
	}

	/** Puts the first cancelled coming date back on, which emails everyone still subscribed. */
	async restoreFirstCancelledDate(): Promise<void> {
		const restore = this.dates.getByRole('button', { name: 'Restore date' });
		const before = await restore.count();
		await restore.first().click();
		await this.confirmStep(/ back on\?$/)
			.getByRole('button', { name: 'Restore the date and email everyone' })
			.click();
		await expect(restore).toHaveCount(before - 1);
	}

	removeButton(name: string): Locator {
		return this.subscribers.getByRole('button', { name: `Remove ${name}` });
	}
}
