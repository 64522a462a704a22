import { expect, type Locator, type Page } from '@playwright/test';
import { fakeStripe } from '../support/fake-stripe';

/** /settings/payments: the practitioner's own Stripe account, connected through Stripe's onboarding. */
export class PaymentsSettingsPage {
	readonly heading: Locator;
	/** The Stripe section: what Stripe says about the account, and the buttons. */
	readonly state: Locator;
	readonly connectButton: Locator;
	readonly ready: Locator;

	constructor(readonly page: Page) {
		this.heading = page.getByRole('heading', { name: 'Payments', level: 1 });
		this.state = page.getByTestId('payments-state');
		this.connectButton = page.getByRole('button', { name: 'Connect with Stripe' });
		this.ready = this.state.getByRole('status').getByText('Ready to take payments');
	}

	/** From Settings, through its own navigation, as the practitioner finds it. */
	async openFromSettings(): Promise<void> {
		await this.page.goto('/settings');
		await this.page
			.getByRole('navigation', { name: 'Settings' })
			.getByRole('link', { name: 'Payments', exact: true })
			.click();
		await expect(this.page).toHaveURL(/\/settings\/payments$/);
		await expect(this.heading).toBeVisible();
	}

	/** Leaves for Stripe's hosted onboarding (here the fake's), which the caller then completes. */
	async connect(): Promise<StripeOnboardingPage> {
		await this.connectButton.click();
		const onboarding = new StripeOnboardingPage(this.page);
		await expect(onboarding.heading).toBeVisible();
		return onboarding;
	}
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
		expect(new URL(this.page.url()).origin, 'onboarding happens on Stripe’s site').toBe(
			fakeStripe.url
		);
		await this.completeButton.click();
		await expect(this.page).toHaveURL(/\/settings\/payments(\?back)?$/);
	}
}
