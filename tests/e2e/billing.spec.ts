import { expect, test } from '@playwright/test';
import { AppShell } from './pages/app-shell';
import { BillingPage, PolicyPage } from './pages/billing';
import { SessionPage } from './pages/sessions';
import { newAccount, signUpAndConfirm } from './support/accounts';
import { expectAccessibleAtBothSizes } from './support/axe';
import {
	createClient,
	createSession,
	isoDate,
	setSessionStatus,
	uniqueName
} from './support/practice';
import { expectSameDocument, markDocument } from './support/realtime';

/** This month in UTC, the zone of the browsers and of the accounts: "2026-12" and "December 2026". */
const thisMonth = isoDate(0).slice(0, 7);
const thisMonthLabel = new Intl.DateTimeFormat('en-GB', {
	month: 'long',
	year: 'numeric',
	timeZone: 'UTC'
}).format(new Date());

test.describe('Billing', () => {
	test('a cancellation policy prices a no-show, the session says why, and one session can be charged otherwise', async ({
		page
	}) => {
		await signUpAndConfirm(page, newAccount('policy'));
		const policy = new PolicyPage(page);
		await policy.goto();
		await policy.expectCharge('A no-show costs', 'The full fee');
		await policy.setCharge('A no-show costs', 50);
		await policy.setCharge('A late cancellation costs', 'none');
		await policy.setWindow(24);
		await policy.save();
		await policy.goto();
		await policy.expectCharge('A no-show costs', 'A percentage of the fee', 50);
		await policy.expectCharge('A late cancellation costs', 'Nothing');

		const client = await createClient(page.request, { name: uniqueName('Nora') });
		const past = await createSession(page.request, {
			clientId: client.id,
			date: isoDate(-2),
			startTime: '10:00',
			fee: '80'
		});
		const session = new SessionPage(page);
		await session.goto(past);
		await session.setStatus('No-show');
		await expect(session.charge).toHaveText(
			'No-show: 50% of €80.00, €40.00. By your cancellation policy.'
		);
		await session.changeCharge('none');
		await expect(session.charge).toHaveText(
			'No-show: nothing (the fee is €80.00). Set for this session.'
		);
		await session.setStatus('Completed');
		await expect(session.charge).toHaveCount(0);

		// Within the window, cancelling is a late cancellation: the page offers only that.
		const soon = new Date(Date.now() + 3 * 3_600_000);
		const upcoming = await createSession(page.request, {
			clientId: client.id,
			date: soon.toISOString().slice(0, 10),
			startTime: soon.toISOString().slice(11, 16),
			fee: '80'
		});
		await session.goto(upcoming);
		await expect(session.lateWindow).toContainText('cancelling now is a late cancellation');
		await expect(session.statusButton('Cancelled')).toHaveCount(0);
		await session.setStatus('Late cancellation');
		await expect(session.charge).toHaveText(
			'Late cancellation: nothing (the fee is €80.00). By your cancellation policy.'
		);
	});

	test('sessions marked paid in one tab change the totals and the chart in another, without a reload', async ({
		page,
		context
	}) => {
		await signUpAndConfirm(page, newAccount('billing-live'));
		const client = await createClient(page.request, { name: uniqueName('Lena') });
		// Early today (begun, so it may be completed) and a late cancellation later today.
		const held = await createSession(page.request, {
			clientId: client.id,
			date: isoDate(0),
			startTime: '00:00',
			fee: '60'
		});
		const cancelled = await createSession(page.request, {
			clientId: client.id,
			date: isoDate(0),
			startTime: '23:00',
			fee: '40'
		});
		await setSessionStatus(page.request, held, 'completed');
		await setSessionStatus(page.request, cancelled, 'late_cancelled');

		const watching = await context.newPage();
		const billing = new BillingPage(watching);
		await billing.goto();
		await new AppShell(watching).expectLive();
		await markDocument(watching);
		await expect(billing.total('billed')).toHaveText('€100.00');
		await expect(billing.total('paid')).toHaveText('€0.00');
		await expect(billing.total('outstanding')).toHaveText('€100.00');
		await expect(billing.total('late-cancels')).toHaveText('1 · €40.00');
		await expect(billing.paidBar(thisMonth)).toHaveAttribute('data-paid', '0');

		const session = new SessionPage(page);
		await session.goto(held);
		await session.markPaid();
		await expect(billing.total('paid')).toHaveText('€60.00');
		await expect(billing.total('outstanding')).toHaveText('€40.00');
		await expect(billing.paidBar(thisMonth)).toHaveAttribute('data-paid', '6000');

		await session.goto(cancelled);
		await session.markPaid();
		await expect(billing.total('paid')).toHaveText('€100.00');
		await expect(billing.total('outstanding')).toHaveText('€0.00');
		await watching.getByText('The figures as a table').click();
		await expect(billing.chartRow(thisMonthLabel)).toHaveText(
			new RegExp(`${thisMonthLabel}\\s*€100.00\\s*€100.00`)
		);
		await expectSameDocument(watching);

		// The CSV link downloads the same view.
		const download = watching.waitForEvent('download');
		await billing.csvLink.click();
		const file = await download;
		expect(file.suggestedFilename()).toMatch(/^billing-\d{4}-\d{2}-01-to-\d{4}-\d{2}-\d{2}\.csv$/);
	});

	test('the billing page and the policy page pass axe on a desktop and a tablet', async ({
		page
	}) => {
		test.setTimeout(90_000);
		await signUpAndConfirm(page, newAccount('billing-axe'));
		const client = await createClient(page.request, { name: uniqueName('Ola') });
		for (const [days, status] of [
			[-1, 'completed'],
			[-2, 'no_show']
		] as const) {
			const id = await createSession(page.request, {
				clientId: client.id,
				date: isoDate(days),
				startTime: '09:00',
				fee: '70'
			});
			await setSessionStatus(page.request, id, status);
		}
		const billing = new BillingPage(page);
		const policy = new PolicyPage(page);
		for (const [name, open] of [
			['billing', () => billing.goto()],
			['policy', () => policy.goto()]
		] as const) {
			await open();
			await new AppShell(page).expectLive();
			await expectAccessibleAtBothSizes(page, name);
		}
	});
});
