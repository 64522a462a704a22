import { expect, test, type ConsoleMessage, type Page } from '@playwright/test';
import { AppShell } from './pages/app-shell';
import { Outbox } from './pages/outbox';
import { PaymentsSettingsPage } from './pages/payments-settings';
import {
	ConfirmPlacePage,
	ManagePlacePage,
	PublicSeriesPage,
	SUBJECT,
	SUBSCRIBER_LINK
} from './pages/public-series';
import { NewSeriesPage, SeriesPage, SUBSCRIBER_STATUS } from './pages/series';
import { StripeCheckoutPage, StripePortalPage } from './pages/stripe-hosted';
import { newAccount, signUpAndConfirm } from './support/accounts';
import { expectAccessibleAtBothSizes } from './support/axe';
import { isoDate, uniqueName } from './support/practice';
import { expectSameDocument, markDocument } from './support/realtime';

/**
 * Changes reach open pages over socket.io, here after a webhook from the fake Stripe and the
 * app's own call back to it: generous, for a loaded two-core machine.
 */
const LIVE = { timeout: 15_000 };

/** The practitioner at a desk. */
const DESK = { viewport: { width: 1280, height: 800 }, timezoneId: 'UTC' } as const;
/** A visitor on a tablet, held upright. */
const TABLET = {
	viewport: { width: 820, height: 1180 },
	hasTouch: true,
	timezoneId: 'UTC'
} as const;

/**
 * Content-Security-Policy refusals the page reports, e.g. a form whose answer sends the browser
 * on to Stripe's site while the policy's form-action does not list it: Chrome then stays put.
 */
function recordCspRefusals(page: Page): string[] {
	const refusals: string[] = [];
	page.on('console', (message: ConsoleMessage) => {
		if (/Content Security Policy/i.test(message.text())) refusals.push(message.text());
	});
	return refusals;
}

test('a practitioner connects Stripe and publishes a paid series; a visitor pays in Checkout and cancels from their page, the practitioner’s open page following live', async ({
	browser,
	baseURL
}) => {
	test.setTimeout(240_000);
	const desk = await browser.newContext({ baseURL, ...DESK });
	const tablet = await browser.newContext({ baseURL, ...TABLET });
	try {
		const practitioner = await desk.newPage();
		const practitionerRefusals = recordCspRefusals(practitioner);
		await signUpAndConfirm(practitioner, newAccount('pay-owner', 'Pat Practitioner'));

		await test.step('Settings → Payments: connect through Stripe’s onboarding and come back ready', async () => {
			const settings = new PaymentsSettingsPage(practitioner);
			await settings.openFromSettings();
			await expect(settings.ready).toHaveCount(0);
			const onboarding = await settings.connect();
			await onboarding.complete();
			await expect(settings.ready).toBeVisible();
			await expect(settings.state).toContainText(/Stripe account acct_\w+/);
			await expect(settings.connectButton).toHaveCount(0);
			await expectAccessibleAtBothSizes(practitioner, 'payments-settings-connected');
		});

		const title = uniqueName('Paid Pilates');
		const series = new SeriesPage(practitioner);
		await test.step('a paid series, made through the form and published', async () => {
			const form = new NewSeriesPage(practitioner);
			await form.goto();
			await form.create({
				title,
				startDate: isoDate(3),
				startTime: '18:00',
				capacity: 4,
				address: 'Studio 1, 3 Mill Lane',
				dates: 8,
				price: { amount: '25.00', currency: 'EUR', charged: 'per month' }
			});
			await expect(practitioner.getByTestId('series-price')).toHaveText(/^€25\.00 per month$/);
			await series.publish();
			await expect(series.nobodyYet).toBeVisible();
			await expect(series.placesTaken).toHaveText('0 / 4');
			await new AppShell(practitioner).expectLive();
			await markDocument(practitioner);
		});
		const publicPath = await series.publicPath();

		const visitorPage = await tablet.newPage();
		const visitorRefusals = recordCspRefusals(visitorPage);
		const visitor = { name: 'Vera Visitor', email: newAccount('pay-visitor').email };
		const publicPage = new PublicSeriesPage(visitorPage);

		await test.step('the visitor sees the price, signs up, confirms from the email and lands in Checkout', async () => {
			await publicPage.goto(publicPath);
			await expect(publicPage.heading).toHaveText(title);
			await expect(publicPage.price).toHaveText(/^€25\.00 per month$/);
			await expect(publicPage.spotsLeft).toHaveText('4 of 4 places left.');
			await expectAccessibleAtBothSizes(visitorPage, 'payments-public-paid');

			await publicPage.signUp(visitor);
			const confirmPage = new ConfirmPlacePage(visitorPage);
			await confirmPage.openFromEmail(visitor.email, title);
			await expect(confirmPage.payButton).toBeVisible();
			await expectAccessibleAtBothSizes(visitorPage, 'payments-confirm-and-pay');
			await confirmPage.confirmAndPay();
			const checkout = new StripeCheckoutPage(visitorPage);
			await checkout.expectOpen();
			await expect(checkout.lineItems).toHaveText(['€25.00 per month']);
			await expect(checkout.email).toHaveValue(visitor.email);
		});

		await test.step('while Checkout is open, the practitioner’s page shows the place kept', async () => {
			await expect(series.subscriberStatus(visitor.email)).toHaveText(SUBSCRIBER_STATUS.held, LIVE);
			await expect(series.placesTaken).toHaveText('1 / 4', LIVE);
		});

		let paidUntil = '';
		await test.step('the visitor pays with a test card and is thanked on the public page', async () => {
			await new StripeCheckoutPage(visitorPage).payWithTestCard();
			await expect(visitorPage).toHaveURL(new RegExp(`${publicPath}\\?paid=cs_\\w+$`));
			await expect(publicPage.thankYou).toBeVisible();
			// Thanked, not asked to sign up again.
			await expect(publicPage.signUpButton).toHaveCount(0);
			await expect(publicPage.spotsLeft).toHaveText('3 of 4 places left.');
			await expectAccessibleAtBothSizes(visitorPage, 'payments-public-thank-you');
		});

		await test.step('the practitioner’s open page shows them paid, live', async () => {
			await expect(series.subscriberStatus(visitor.email)).toHaveText(
				SUBSCRIBER_STATUS.active,
				LIVE
			);
			await expect(series.subscriberPayment(visitor.email)).toHaveText(/^Paid until .+/, LIVE);
			paidUntil = (await series.subscriberPayment(visitor.email).innerText()).replace(
				/^Paid until /,
				''
			);
			await expect(series.placesTaken).toHaveText('1 / 4');
			await expect(
				series.subscriber(visitor.email).getByRole('button', {
					name: `Cancel ${visitor.name}’s subscription`
				})
			).toBeVisible();
			await expectSameDocument(practitioner);
		});

		const manage = new ManagePlacePage(visitorPage);
		await test.step('the visitor opens their page from the welcome email: paid, accessible', async () => {
			const welcome = await new Outbox(visitorPage).email(visitor.email, SUBJECT.admitted(title));
			await welcome.getByRole('link', { name: SUBSCRIBER_LINK.manage }).click();
			await expect(visitorPage).toHaveURL(SUBSCRIBER_LINK.manage);
			await expect(manage.status).toHaveText('You have a place.');
			await expect(manage.paymentStanding).toHaveText(/^Paid until .+\.$/);
			await expectAccessibleAtBothSizes(visitorPage, 'payments-manage-paid');
		});

		await test.step('the visitor opens Stripe’s customer portal from their page and comes back', async () => {
			await manage.portalButton.click();
			const portal = new StripePortalPage(visitorPage);
			await portal.expectOpen();
			await expect(portal.subscriptions).toHaveText([/^€25\.00 per month — Renews on /]);
			await portal.returnLink.click();
			await expect(visitorPage).toHaveURL(SUBSCRIBER_LINK.manage);
			await expect(manage.paymentStanding).toHaveText(/^Paid until .+\.$/);
		});

		await test.step('the visitor cancels at the period’s end; both pages say when it ends', async () => {
			await manage.cancelSubscriptionButton.click();
			await expect(manage.cancelSubscriptionStep).toContainText('You will not be charged again.');
			await manage.cancelSubscriptionStep
				.getByRole('button', { name: 'Cancel my subscription' })
				.click();
			await expect(manage.cancelSubscriptionStep).toHaveCount(0);
			await expect(
				visitorPage.getByText('Your subscription is cancelled: you will not be charged again.')
			).toBeVisible();
			await expect(manage.paymentStanding).toHaveText(
				/^Ends on .+; your place is yours until then\.$/
			);
			await expect(manage.status).toHaveText('You have a place.');

			await expect(series.subscriberPayment(visitor.email)).toHaveText(`Ends ${paidUntil}`, LIVE);
			await expect(series.subscriberStatus(visitor.email)).toHaveText(SUBSCRIBER_STATUS.active);
			await expect(
				series.subscriber(visitor.email).getByRole('button', { name: /subscription$/ })
			).toHaveCount(0);
			await expectSameDocument(practitioner);
			await expectAccessibleAtBothSizes(visitorPage, 'payments-manage-ending');
			await expectAccessibleAtBothSizes(practitioner, 'payments-series-ending');
		});

		expect(practitionerRefusals, 'no form was stopped by the CSP').toEqual([]);
		expect(visitorRefusals, 'no form was stopped by the CSP').toEqual([]);
	} finally {
		await tablet.close();
		await desk.close();
	}
});
