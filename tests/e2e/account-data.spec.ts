import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { unzipSync } from 'fflate';
import { AppShell } from './pages/app-shell';
import { Outbox } from './pages/outbox';
import { signUpForSeries } from './pages/public-series';
import { SeriesPage } from './pages/series';
import { SignInPage } from './pages/sign-in';
import { ChangeEmailForm, YourDataPage } from './pages/your-data';
import { newAccount, signUpAndConfirm, type Account } from './support/accounts';
import { expectAccessibleAtBothSizes } from './support/axe';
import { createClient, createPublishedSeries, isoDate, uniqueName } from './support/practice';

/** A published series with people in it, on a page of its own, as the practitioner sees it. */
async function seriesWithSubscribers(page: Page, people: { name: string; email: string }[]) {
	const title = uniqueName('Morning Stretch');
	const id = await createPublishedSeries(page.request, {
		title,
		date: isoDate(5),
		startTime: '08:00',
		dates: 3
	});
	const series = new SeriesPage(page);
	await series.goto(id);
	const publicPath = await series.publicPath();
	const visitor = await page.context().newPage();
	for (const person of people) await signUpForSeries(visitor, publicPath, title, person);
	await visitor.close();
	return { id, title, series };
}

test.describe('Your data', () => {
	// Each signs a practitioner up and runs axe at two sizes: slow on a machine shared by two workers.
	test.describe.configure({ timeout: 120_000 });

	test('downloads one ZIP with a JSON document and a CSV per table, and passes axe', async ({
		page
	}) => {
		const account = newAccount('data-download', 'Dana Download');
		await signUpAndConfirm(page, account);
		const client = await createClient(page.request, { name: uniqueName('Zip Client') });
		const yourData = new YourDataPage(page);
		await yourData.goto();
		await expectAccessibleAtBothSizes(page, 'your-data');

		const download = await yourData.downloadAll();
		expect(download.suggestedFilename()).toMatch(/^sessionboard-data-\d{4}-\d{2}-\d{2}\.zip$/);
		const files = unzipSync(readFileSync(await download.path()));
		const names = Object.keys(files);
		expect(names).toEqual(
			expect.arrayContaining([
				'sessionboard-data.json',
				'csv/users.csv',
				'csv/clients.csv',
				'csv/security_events.csv'
			])
		);
		const text = new TextDecoder();
		const document = JSON.parse(text.decode(files['sessionboard-data.json'])) as {
			tables: Record<string, Record<string, unknown>[]>;
		};
		expect(document.tables.clients).toEqual([expect.objectContaining({ name: client.name })]);
		expect(document.tables.users).toEqual([expect.objectContaining({ email: account.email })]);
		expect(Object.keys(document.tables.users![0]!)).not.toContain('password_hash');
		expect(text.decode(files['csv/clients.csv'])).toContain(client.name);

		// The download is in the security log.
		await page.goto('/settings');
		await expect(page.getByTestId('security-log')).toContainText('All data downloaded');
	});

	test('changes the email from the link sent to the new address; the old one is told', async ({
		page
	}) => {
		const account = newAccount('data-email', 'Eli Email');
		await signUpAndConfirm(page, account);
		const newEmail = newAccount('data-email-new').email;
		await page.goto('/settings');
		const form = new ChangeEmailForm(page);
		await form.requestChange(newEmail, account.password);
		await expect(form.currentEmail).toHaveText(account.email);
		await form.section.scrollIntoViewIfNeeded();
		await expectAccessibleAtBothSizes(page, 'settings-email-requested');

		const outbox = new Outbox(page);
		await outbox.openLink(newEmail, '/confirm-email');
		await expectAccessibleAtBothSizes(page, 'confirm-email');
		await page.getByRole('button', { name: 'Use this email' }).click();
		await expect(page.getByRole('status')).toHaveText(
			`Done: your account now uses ${newEmail}. Sign in with it from now on.`
		);
		await outbox.email(account.email, 'Your Sessionboard email was changed');

		await page.goto('/settings');
		await expect(form.currentEmail).toHaveText(newEmail);
		await new AppShell(page).signOut();
		const signIn = new SignInPage(page);
		await signIn.goto();
		await signIn.signIn(account.email, account.password);
		await expect(signIn.wrongCredentials).toBeVisible();
		await signIn.signIn(newEmail, account.password);
		await new AppShell(page).expectSignedInAs(account.name);
	});

	test('removes a subscriber and deletes a series from the dashboard, each after a question', async ({
		page
	}) => {
		await signUpAndConfirm(page, newAccount('data-series', 'Sam Series'));
		const ada = { name: 'Ada Leaving', email: newAccount('data-ada').email };
		const bea = { name: 'Bea Staying', email: newAccount('data-bea').email };
		const { id, title, series } = await seriesWithSubscribers(page, [ada, bea]);
		await series.goto(id);
		await expect(series.subscriber(ada.email)).toBeVisible();

		await series.removeButton(ada.name).click();
		const removal = series.confirmStep(`Remove ${ada.name}?`);
		await removal.getByRole('button', { name: `Remove ${ada.name}` }).click();
		await expect(series.subscriber(ada.email)).toHaveCount(0);
		await expect(series.subscriber(bea.email)).toBeVisible();

		await page.getByRole('button', { name: 'Delete this series…' }).click();
		const deletion = series.confirmStep(`Delete “${title}”?`);
		await expect(deletion.getByRole('link', { name: 'Keep the series' })).toBeFocused();
		await expectAccessibleAtBothSizes(page, 'series-delete-question');
		await deletion.getByRole('button', { name: 'Delete the series and its subscribers' }).click();
		await expect(page).toHaveURL(/\/series$/);
		await expect(page.getByText(title)).toHaveCount(0);
		expect((await page.request.get(`/series/${id}`)).status()).toBe(404);
	});

	test('deletes the account after the password; subscribers are told, and signing in fails', async ({
		page
	}) => {
		const account: Account = newAccount('data-delete', 'Del Leaving');
		await signUpAndConfirm(page, account);
		const cai = { name: 'Cai Subscriber', email: newAccount('data-cai').email };
		const { title } = await seriesWithSubscribers(page, [cai]);

		const yourData = new YourDataPage(page);
		await yourData.goto();
		await expect(page.getByTestId('subscribers-to-tell')).toHaveText(
			'1 person in your published series will be emailed that the series ended.'
		);
		await yourData.deleteAccount('not my password at all');
		await expect(
			yourData.deletion.getByText('Your current password is not correct.')
		).toBeVisible();

		await yourData.deleteAccount(account.password);
		await expect(page).toHaveURL(/\/account-deleted$/);
		await expect(page.getByRole('heading', { name: 'Your account is deleted' })).toBeVisible();
		await expectAccessibleAtBothSizes(page, 'account-deleted');

		const ended = await new Outbox(page).email(cai.email, 'A series you signed up for has ended');
		await expect(ended).toContainText(`“${title}” has ended`);

		await page.goto('/dashboard');
		await expect(page).toHaveURL(/\/sign-in/);
		const signIn = new SignInPage(page);
		await signIn.signIn(account.email, account.password);
		await expect(signIn.wrongCredentials).toBeVisible();
	});
});
