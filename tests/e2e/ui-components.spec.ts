import { expect, test, type Page } from '@playwright/test';
import { seriousViolations } from './support/axe';
import { newAccount, signUpAndConfirm } from './support/accounts';
import { createClient, createSession, isoDate, uniqueName } from './support/practice';
import { screenshots } from './support/shots';
import { toast } from './support/toasts';

/** axe in both schemes, with a screenshot of each for a person to look at. */
async function accessibleInBothSchemes(page: Page, name: string): Promise<void> {
	for (const colorScheme of ['light', 'dark'] as const) {
		await page.emulateMedia({ colorScheme });
		expect.soft(await seriousViolations(page), `${name} (${colorScheme})`).toEqual([]);
		await screenshots(page, `${name}-${colorScheme}`);
	}
	await page.emulateMedia({ colorScheme: null });
}

test.describe('The confirm dialog, toasts and empty states', () => {
	test('deleting a client asks first: Escape keeps the client and returns focus, confirming deletes', async ({
		page,
		context
	}) => {
		await signUpAndConfirm(page, newAccount('ui-delete'));
		const { id, name } = await createClient(context.request, { name: uniqueName('Dana Delete') });
		await page.goto(`/clients/${id}`);
		const trigger = page.getByRole('button', { name: 'Delete this client…' });
		await trigger.click();

		const question = page.getByRole('dialog', { name: `Delete ${name}?` });
		await expect(question).toBeVisible();
		await expect(question).toContainText('nobody can undo that');
		// The safe choice has the focus; the page behind is inert while the dialog is open.
		await expect(question.getByRole('link', { name: `Keep ${name}` })).toBeFocused();
		await accessibleInBothSchemes(page, 'ui-confirm-dialog');

		await page.keyboard.press('Escape');
		await expect(question).toBeHidden();
		await expect(trigger).toBeFocused();
		await page.reload();
		await expect(page.getByRole('heading', { name, level: 1 })).toBeVisible();

		await trigger.click();
		await question.getByRole('button', { name: `Delete ${name} for good` }).click();
		await expect(page).toHaveURL(/\/clients$/);
		expect((await page.request.get(`/clients/${id}`)).status()).toBe(404);
	});

	test('without JavaScript, deleting a session asks on the page the server sends, then deletes', async ({
		page,
		context,
		browser
	}) => {
		await signUpAndConfirm(page, newAccount('ui-nojs'));
		const client = await createClient(context.request, { name: uniqueName('Noah Script') });
		const sessionId = await createSession(context.request, {
			clientId: client.id,
			date: isoDate(3),
			startTime: '10:00'
		});
		const plain = await browser.newContext({
			javaScriptEnabled: false,
			storageState: await context.storageState()
		});
		try {
			const noScript = await plain.newPage();
			await noScript.goto(`/sessions/${sessionId}`);
			await noScript.getByRole('button', { name: 'Delete this session…' }).click();
			const question = noScript.getByRole('dialog', { name: 'Delete this session?' });
			await expect(question).toBeVisible();
			await screenshots(noScript, 'ui-confirm-no-js');

			// Keeping it is a plain link back to the page, the question gone and the session there.
			await question.getByRole('link', { name: 'Keep the session' }).click();
			await expect(noScript).toHaveURL(new RegExp(`/sessions/${sessionId}$`));
			await expect(question).toHaveCount(0);

			await noScript.getByRole('button', { name: 'Delete this session…' }).click();
			await question.getByRole('button', { name: 'Delete the session' }).click();
			await expect(noScript).toHaveURL(/\/sessions$/);
			expect((await page.request.get(`/sessions/${sessionId}`)).status()).toBe(404);
		} finally {
			await plain.close();
		}
	});

	test('archiving a client is announced in a toast whose Undo restores the client', async ({
		page,
		context
	}) => {
		await signUpAndConfirm(page, newAccount('ui-toast'));
		const { id, name } = await createClient(context.request, { name: uniqueName('Theo Toast') });
		await page.goto(`/clients/${id}`);
		await page.getByRole('button', { name: 'Archive', exact: true }).click();

		const archived = toast(page, `${name} is archived.`);
		await expect(archived).toBeVisible();
		await expect(page.getByText('Archived', { exact: true })).toBeVisible();
		await accessibleInBothSchemes(page, 'ui-toast');

		await archived.getByRole('button', { name: 'Undo' }).click();
		await expect(toast(page, `${name} is restored.`)).toBeVisible();
		await expect(page.getByRole('button', { name: 'Archive', exact: true })).toBeVisible();
		await page.reload();
		await expect(page.getByText('Archived', { exact: true })).toHaveCount(0);

		// The toast outlives the page: its Undo still restores this client from the list.
		await page.getByRole('button', { name: 'Archive', exact: true }).click();
		const again = toast(page, `${name} is archived.`);
		await expect(again).toBeVisible();
		await page.getByRole('link', { name: '← Clients' }).click();
		await expect(page.getByRole('heading', { name: 'Clients', level: 1 })).toBeVisible();
		await again.getByRole('button', { name: 'Undo' }).click();
		await expect(toast(page, `${name} is restored.`)).toBeVisible();
		await page.goto(`/clients/${id}`);
		await expect(page.getByRole('button', { name: 'Archive', exact: true })).toBeVisible();
	});

	test('empty lists say what to do next, and their action leads to the next step', async ({
		page
	}) => {
		await signUpAndConfirm(page, newAccount('ui-empty'));
		await page.goto('/clients');
		const empty = page.getByTestId('empty-state');
		await expect(empty.getByRole('heading', { name: 'No clients yet.' })).toBeVisible();
		await accessibleInBothSchemes(page, 'ui-empty-clients');
		await empty.getByRole('link', { name: 'Add your first client' }).click();
		await expect(page).toHaveURL(/\/clients\/new$/);
		await expect(page.getByRole('heading', { level: 1 })).toHaveText('New client');

		await page.goto('/series');
		await page
			.getByTestId('empty-state')
			.getByRole('link', { name: 'Create your first series' })
			.click();
		await expect(page).toHaveURL(/\/series\/new$/);

		await page.goto('/sessions?view=day');
		await page.getByTestId('empty-state').getByRole('link', { name: 'New session' }).click();
		await expect(page).toHaveURL(/\/sessions\/new\?date=\d{4}-\d{2}-\d{2}$/);
	});
});
