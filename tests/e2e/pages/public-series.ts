import { expect, type Locator, type Page } from '@playwright/test';
import { Outbox } from './outbox';

export type Visitor = { name: string; email: string; phone?: string };

/** The links in every email to a subscriber, by what they lead to. Their text is the address. */
export const SUBSCRIBER_LINK = {
	confirm: /\/s\/[a-z0-9-]+\/confirm\/[^/\s]+$/,
	manage: /\/m\/[^/\s]+$/,
	unsubscribe: /\/u\/[^/\s]+$/
} as const;

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The subjects of the emails a subscriber gets (src/lib/server/subscribers/service.ts). */
export const SUBJECT = {
	confirm: (title: string) => `Confirm your place: ${title}`,
	admitted: (title: string) => `You are in: ${title}`,
	cancelled: (title: string) => new RegExp(`^Cancelled: ${escaped(title)} on `),
	restored: (title: string) => new RegExp(`^Back on: ${escaped(title)} on `)
} as const;

/** /s/<slug>: a series' public signup page, for anyone, signed in or not. */
export class PublicSeriesPage {
	readonly heading: Locator;
	/** "with <practitioner>" above the title. */
	readonly practitioner: Locator;
	/** The schedule in one line: "Wednesdays 18:30–19:30 from 9 December, UTC". */
	readonly schedule: Locator;
	readonly dates: Locator;
	/** "Show all <n> dates" ("Show the next <n>" when there are more): a <details> summary, so it works without JavaScript too. */
	readonly showAllDates: Locator;
	/** Said when the dates are shown in the visitor's own zone instead of the series'. */
	readonly visitorZone: Locator;
	readonly form: Locator;
	/** "<n> of <capacity> places left.", kept live over socket.io's /public namespace. */
	readonly spotsLeft: Locator;
	readonly name: Locator;
	readonly email: Locator;
	readonly phone: Locator;
	readonly consent: Locator;
	/** The trap for bots: off screen, hidden from assistive technology, and to stay empty. */
	readonly honeypot: Locator;
	readonly signUpButton: Locator;
	/** A paid series' price under the title: "€25.00 per month". */
	readonly price: Locator;
	/** Said on the page Checkout sends the visitor back to once they have paid. */
	readonly thankYou: Locator;
	private asksForSpots = false;

	constructor(readonly page: Page) {
		this.heading = page.getByRole('heading', { level: 1 });
		this.practitioner = page.getByTestId('practitioner');
		this.schedule = page.getByTestId('schedule');
		this.dates = page.getByRole('region', { name: 'Dates' });
		this.showAllDates = this.dates.getByText(/^Show (all|the next) \d+ dates$/);
		this.visitorZone = page.getByTestId('visitor-zone');
		this.form = page.getByRole('region', { name: 'Sign up' }).locator('form');
		this.spotsLeft = page.getByTestId('spots-left');
		this.name = page.getByLabel('Your name', { exact: true });
		this.email = page.getByLabel('Email', { exact: true });
		this.phone = page.getByLabel('Phone (optional)', { exact: true });
		this.consent = page.getByRole('checkbox', {
			name: /^I agree to receive emails about this series/
		});
		this.honeypot = page.locator('input[name="website"]');
		this.signUpButton = page.getByRole('button', { name: 'Sign up', exact: true });
		this.price = page.getByTestId('price');
		this.thankYou = page.getByText(
			'Thank you — your place is confirmed as soon as Stripe tells us. We will email you the dates.'
		);

		// The page asks the server for live counts once its WebSocket connects.
		const heard = (payload: string) => {
			if (payload.includes('"series:watch"')) this.asksForSpots = true;
		};
		page.on('websocket', (ws) => ws.on('framesent', ({ payload }) => heard(String(payload))));
	}

	async goto(path: string): Promise<void> {
		await this.page.goto(path);
		await expect(this.heading).toBeVisible();
	}

	/** The page's socket has asked for this series' live count, so a change now reaches it. */
	async expectListening(): Promise<void> {
		await expect
			.poll(() => this.asksForSpots, { message: 'the public page listens for spots left' })
			.toBe(true);
	}

	/** The dates as listed, one line each. */
	get dateLines(): Locator {
		return this.dates.getByRole('listitem');
	}

	/** Fills in the form, agrees to the emails and sends it; the page then says to check email. */
	async signUp(visitor: Visitor): Promise<void> {
		await this.fillIn(visitor);
		await this.signUpButton.click();
		await expect(this.page.getByRole('status')).toHaveText(
			`Almost done: we sent a link to ${visitor.email}. Open it to confirm your place.`
		);
	}

	async fillIn(visitor: Visitor): Promise<void> {
		await this.name.fill(visitor.name);
		await this.email.fill(visitor.email);
		if (visitor.phone) await this.phone.fill(visitor.phone);
		await this.consent.check();
		await expect(this.honeypot).toHaveValue('');
	}
}

/** /s/<slug>/confirm/<token>: opening the emailed link shows a button; the click confirms. */
export class ConfirmPlacePage {
	readonly button: Locator;
	/** A paid series' button: it keeps a free place and leads to Stripe Checkout. */
	readonly payButton: Locator;
	readonly result: Locator;

	constructor(readonly page: Page) {
		this.button = page.getByRole('button', { name: 'Confirm my place' });
		this.payButton = page.getByRole('button', { name: 'Confirm and pay' });
		this.result = page.getByRole('status');
	}

	/** Follows the confirmation link in the newest confirmation email to `email`. */
	async openFromEmail(email: string, seriesTitle: string): Promise<void> {
		const message = await new Outbox(this.page).email(email, SUBJECT.confirm(seriesTitle));
		await message.getByRole('link', { name: SUBSCRIBER_LINK.confirm }).click();
		await expect(this.page).toHaveURL(SUBSCRIBER_LINK.confirm);
		await expect(this.page.getByRole('heading', { name: seriesTitle, level: 1 })).toBeVisible();
	}

	/** A paid series: the browser leaves for Stripe Checkout. */
	async confirmAndPay(): Promise<void> {
		await this.payButton.click();
	}

	async confirm(): Promise<void> {
		await this.button.click();
		await expect(this.result).toHaveText(
			'Your place is confirmed. We emailed you the dates and a calendar file.'
		);
		const slug = new URL(this.page.url()).pathname.split('/')[2];
		await expect(this.page.getByRole('link', { name: 'See the dates' })).toHaveAttribute(
			'href',
			`/s/${slug}`
		);
	}
}

/** /u/<token>: the unsubscribe link in every subscriber email. GET asks; one click does it. */
export class UnsubscribePage {
	readonly heading: Locator;
	readonly question: Locator;
	readonly button: Locator;
	readonly done: Locator;

	constructor(readonly page: Page) {
		this.heading = page.getByRole('heading', { name: 'Unsubscribe', level: 1 });
		this.question = page.getByText(
			'Stop all emails about this series? Your place, if you have one, is kept.'
		);
		this.button = page.getByRole('button', { name: 'Unsubscribe', exact: true });
		this.done = page
			.getByRole('status')
			.filter({ hasText: 'Done: you will get no more emails about this series.' });
	}
}

/** /m/<token>: the subscriber's own page behind the "Manage your place" link. */
export class ManagePlacePage {
	readonly status: Locator;
	readonly noEmails: Locator;
	readonly stopEmailsButton: Locator;
	readonly leaveButton: Locator;
	/** The question "Leave <title>?" that Leave asks before acting. */
	readonly confirmStep: Locator;
	/** A paid series: where the subscription stands ("Paid until …", "Ends on …"). */
	readonly paymentStanding: Locator;
	/** Leads to Stripe's customer portal (card, invoices). */
	readonly portalButton: Locator;
	readonly cancelSubscriptionButton: Locator;
	/** The question "Cancel your subscription to <title>?" asked before cancelling. */
	readonly cancelSubscriptionStep: Locator;

	constructor(readonly page: Page) {
		this.status = page.getByTestId('manage-status');
		this.noEmails = page.getByText('You receive no emails about this series.');
		this.stopEmailsButton = page.getByRole('button', { name: 'Stop emails about this series' });
		this.leaveButton = page
			.getByRole('region', { name: 'Your choices' })
			.getByRole('button', { name: 'Leave the series' });
		this.confirmStep = page.getByRole('dialog', { name: /^Leave / });
		const subscription = page.getByRole('region', { name: 'Your subscription' });
		this.paymentStanding = subscription.getByTestId('payment-standing');
		this.portalButton = subscription.getByRole('button', { name: 'Manage payment and invoices' });
		this.cancelSubscriptionButton = subscription.getByRole('button', {
			name: 'Cancel my subscription'
		});
		this.cancelSubscriptionStep = page.getByRole('dialog', { name: /^Cancel your subscription / });
	}
}

/**
 * A visitor signs up on the public page and confirms from the emailed link, in this one tab: the
 * whole double opt-in, for tests about what comes after it.
 */
export async function signUpForSeries(
	page: Page,
	publicPath: string,
	seriesTitle: string,
	visitor: Visitor
): Promise<void> {
	const publicPage = new PublicSeriesPage(page);
	await publicPage.goto(publicPath);
	await publicPage.signUp(visitor);
	const confirmPage = new ConfirmPlacePage(page);
	await confirmPage.openFromEmail(visitor.email, seriesTitle);
	await confirmPage.confirm();
}
