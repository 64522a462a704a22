import { expect, type Locator, type Page } from '@playwright/test';
import { StripeOnboardingPage } from './stripe-hosted';

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
