import { expect, type Locator, type Page } from '@playwright/test';
import { toast } from '../support/toasts';
import { chooseCharge, type ChargeCost } from './billing';

/** /sessions: the agenda by day or week. */
export class AgendaPage {
	readonly agenda: Locator;

	constructor(readonly page: Page) {
		this.agenda = page.getByTestId('agenda');
	}

	async goto(date?: string, view: 'day' | 'week' = 'week'): Promise<void> {
		await this.page.goto(date ? `/sessions?date=${date}&view=${view}` : '/sessions');
		await expect(this.page.getByRole('heading', { name: 'Sessions', level: 1 })).toBeVisible();
		await expect(this.agenda).toBeVisible();
	}

	/** The agenda's entries for one client. */
	sessionsWith(clientName: string): Locator {
		return this.agenda.getByRole('link').filter({ hasText: clientName });
	}

	/** A group series' date in the agenda, by the series' title; it links to the series. */
	groupDate(title: string): Locator {
		return this.agenda.getByTestId('group-date').filter({ hasText: title });
	}
}

export type SessionFields = {
	clientName: string;
	/** YYYY-MM-DD */
	date: string;
	/** HH:MM */
	startTime: string;
	durationMinutes?: number;
	fee?: string;
};

/** /sessions/new */
export class NewSessionPage {
	readonly startTime: Locator;
	/** The error shown beside Start time, which the field names as its description. */
	readonly startTimeError: Locator;

	constructor(readonly page: Page) {
		this.startTime = page.getByLabel('Start time', { exact: true });
		this.startTimeError = page.locator('#field-startTime-error');
	}

	async goto(query = ''): Promise<void> {
		await this.page.goto(`/sessions/new${query}`);
		await expect(this.page.getByRole('heading', { name: 'New session', level: 1 })).toBeVisible();
	}

	async fill(session: SessionFields): Promise<void> {
		const { page } = this;
		await page.getByLabel('Client', { exact: true }).selectOption({ label: session.clientName });
		await page.getByLabel('Date', { exact: true }).fill(session.date);
		await this.startTime.fill(session.startTime);
		if (session.durationMinutes !== undefined) {
			await page.getByLabel('Length (minutes)').fill(String(session.durationMinutes));
		}
		if (session.fee !== undefined) await page.getByLabel('Fee', { exact: true }).fill(session.fee);
		await page.getByRole('radio', { name: 'Once' }).check();
	}

	async submit(): Promise<void> {
		await this.page.getByRole('button', { name: 'Create', exact: true }).click();
	}
}

export const STATUS_LABELS = [
	'Completed',
	'No-show',
	'Late cancellation',
	'Cancelled',
	'Scheduled'
] as const;
export type StatusLabel = (typeof STATUS_LABELS)[number];

/** /sessions/<id> */
export class SessionPage {
	constructor(readonly page: Page) {}

	async goto(id: string): Promise<void> {
		await this.page.goto(`/sessions/${id}`);
		await expect(
			this.page.getByRole('heading', { name: /^Session with /, level: 1 })
		).toBeVisible();
	}

	/** The warning that the session overlaps a group date. */
	get groupClash(): Locator {
		return this.page.getByTestId('group-clash');
	}

	/** Shown instead of signing while the session has not begun. */
	get signLater(): Locator {
		return this.page.getByTestId('sign-later');
	}

	statusButton(label: StatusLabel): Locator {
		return this.page
			.getByRole('group', { name: 'Set the status' })
			.getByRole('button', { name: label, exact: true });
	}

	/** The status the page shows as current: the one pressed button. */
	async expectStatus(label: StatusLabel, options: { timeout?: number } = {}): Promise<void> {
		await expect(
			this.page
				.getByRole('group', { name: 'Set the status' })
				.getByRole('button', { pressed: true })
		).toHaveText([label], options);
	}

	/** What a no-show or late cancellation was charged, and why. */
	get charge(): Locator {
		return this.page.getByTestId('charge');
	}

	/** The note that a cancellation now would be a late one. */
	get lateWindow(): Locator {
		return this.page.getByTestId('late-window');
	}

	/** Changes this session's charge: `full`, `none`, or a percentage. */
	async changeCharge(cost: ChargeCost): Promise<void> {
		const form = this.page.getByTestId('charge-form');
		await chooseCharge(form, cost);
		await form.getByRole('button', { name: 'Save the charge' }).click();
		await expect(toast(this.page, 'Charge saved for this session.')).toBeVisible();
	}

	/** Presses Paid (paid today) and waits until the page shows it. */
	async markPaid(): Promise<void> {
		const payment = this.page.getByRole('group', { name: 'Payment' });
		await payment.getByRole('button', { name: 'Paid', exact: true }).click();
		await expect(payment.getByRole('button', { name: 'Paid', exact: true })).toHaveAttribute(
			'aria-pressed',
			'true'
		);
	}

	/** Taps (on a touch screen) or clicks a status and waits until the page shows it. */
	async setStatus(label: StatusLabel): Promise<void> {
		const button = this.statusButton(label);
		const touch = await this.page.evaluate(() => navigator.maxTouchPoints > 0);
		if (touch) await button.tap();
		else await button.click();
		await this.expectStatus(label);
	}
}
