import { expect, type Locator, type Page } from '@playwright/test';
import { fakeStripe } from '../support/fake-stripe';

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
		expect(new URL(this.page.url()).origin, 'Checkout happens on Stripe’s site').toBe(
			fakeStripe.url
		);
	}

	/** Pays with Stripe's test card; Stripe then sends the browser to the success address. */
	async payWithTestCard(): Promise<void> {
		await this.cardNumber.fill('4242 4242 4242 4242');
		await this.payButton.click();
	}
}
