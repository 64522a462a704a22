import { expect, type Locator, type Page } from '@playwright/test';
import { fakeStripe } from '../support/fake-stripe';

/** The hosted page is on Stripe's site (here the fake's), not the app's. */
function expectOnStripe(page: Page): void {
	expect(new URL(page.url()).origin, 'the page is on Stripe’s site').toBe(fakeStripe.url);
}

/** Stripe's hosted onboarding, as the local fake Stripe serves it (tests/fakes/stripe-parts/pages.ts). */
export class StripeOnboardingPage {
	readonly heading: Locator;
	readonly completeButton: Locator;

	constructor(readonly page: Page) {
		this.heading = page.getByRole('heading', { name: 'Set up payments', level: 1 });
		this.completeButton = page.getByRole('button', { name: 'Complete onboarding' });
	}

	/** Finishes onboarding; Stripe sends the browser back to the app's return address. */
	async complete(): Promise<void> {
		expectOnStripe(this.page);
		await this.completeButton.click();
		await expect(this.page).toHaveURL(/\/settings\/payments(\?back)?$/);
	}
}

/** Stripe's hosted Checkout, as the local fake Stripe serves it (tests/fakes/stripe-parts/pages.ts). */
export class StripeCheckoutPage {
	readonly heading: Locator;
	/** What is bought, one line per price: "€25.00 per month". */
	readonly lineItems: Locator;
	readonly email: Locator;
	readonly cardNumber: Locator;
	readonly payButton: Locator;

	constructor(readonly page: Page) {
		this.heading = page.getByRole('heading', { name: 'Checkout', level: 1 });
		this.lineItems = page.getByRole('listitem');
		this.email = page.getByLabel('Email', { exact: true });
		this.cardNumber = page.getByLabel('Card number', { exact: true });
		this.payButton = page.getByRole('button', { name: 'Pay', exact: true });
	}

	async expectOpen(): Promise<void> {
		await expect(this.heading).toBeVisible();
		expectOnStripe(this.page);
	}

	/** Pays with Stripe's test card; Stripe then sends the browser to the success address. */
	async payWithTestCard(): Promise<void> {
		await this.cardNumber.fill('4242 4242 4242 4242');
		await this.payButton.click();
	}
}

/** Stripe's customer portal, as the local fake Stripe serves it. */
export class StripePortalPage {
	readonly heading: Locator;
	/** One line per subscription: "€25.00 per month — Renews on 2027-01-07". */
	readonly subscriptions: Locator;
	readonly returnLink: Locator;

	constructor(readonly page: Page) {
		this.heading = page.getByRole('heading', { name: 'Manage your subscription', level: 1 });
		this.subscriptions = page.getByRole('listitem').getByRole('paragraph');
		this.returnLink = page.getByRole('link', { name: 'Return' });
	}

	async expectOpen(): Promise<void> {
		await expect(this.heading).toBeVisible();
		expectOnStripe(this.page);
	}
}
