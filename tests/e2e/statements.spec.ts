import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { PDFParse } from 'pdf-parse';
import { AppShell } from './pages/app-shell';
import {
	PracticeDetailsPage,
	StatementChoicePage,
	StatementPage,
	UnpaidPage
} from './pages/statements';
import { newAccount, signUpAndConfirm } from './support/accounts';
import { expectAccessibleAtBothSizes } from './support/axe';
import {
	createClient,
	createSession,
	isoDate,
	markSessionsPaid,
	setSessionStatus,
	uniqueName
} from './support/practice';
import { screenshots, SHOTS_DIR } from './support/shots';

test('practice details, marking sessions paid from the unpaid list, and a statement to print and download', async ({
	page,
	context
}) => {
	// Four pages, each checked by axe at two sizes: more than the default minute on two cores.
	test.slow();
	await signUpAndConfirm(page, newAccount('statements'));

	const details = new PracticeDetailsPage(page);
	await details.goto();
	await details.save({
		name: 'Harbour Counselling',
		address: '1 Quay Street\nPortsmouth PO1 2AB',
		taxId: 'GB 123 4567 89'
	});
	await page.reload();
	await expect(details.address).toHaveValue('1 Quay Street\nPortsmouth PO1 2AB');
	await expectAccessibleAtBothSizes(page, 'practice-details');

	const client = await createClient(context.request, { name: uniqueName('Ana Statement') });
	const sessionIds: string[] = [];
	for (const daysAgo of [3, 2, 1]) {
		const id = await createSession(context.request, {
			clientId: client.id,
			date: isoDate(-daysAgo),
			startTime: '10:00',
			fee: '60'
		});
		await setSessionStatus(context.request, id, 'completed');
		sessionIds.push(id);
	}

	const unpaid = new UnpaidPage(page);
	await unpaid.goto();
	const boxes = unpaid.sessionBoxes(client.name);
	await expect(boxes).toHaveCount(3);
	await expectAccessibleAtBothSizes(page, 'unpaid');
	// Choose all, then leave out the last: with the keyboard, as with a mouse.
	await unpaid.selectAll.focus();
	await page.keyboard.press('Space');
	await expect(boxes.nth(2)).toBeChecked();
	await boxes.nth(2).focus();
	await page.keyboard.press('Space');
	await expect(boxes.nth(2)).not.toBeChecked();
	await expect(page.getByText('2 chosen: €120.00')).toBeVisible();
	// The first of them is marked paid on another device meanwhile: it leaves the list live, and
	// is no longer among the chosen, so nothing off the screen is marked paid again.
	await markSessionsPaid(context.request, [sessionIds[0]!], isoDate(0));
	await expect(boxes).toHaveCount(2);
	await expect(page.getByText('1 chosen: €60.00')).toBeVisible();
	await unpaid.markPaid(isoDate(0), 1);
	await expect(boxes).toHaveCount(1);

	const choice = new StatementChoicePage(page);
	await choice.goto();
	await expectAccessibleAtBothSizes(page, 'statement-choice');
	await choice.open(client.name, isoDate(-10), isoDate(0));

	const statement = new StatementPage(page);
	await expect(page.getByText('Harbour Counselling')).toBeVisible();
	await expect(page.getByText('Tax ID: GB 123 4567 89')).toBeVisible();
	await expect(page.getByRole('heading', { name: 'Statement', level: 1 })).toBeVisible();
	await expect(statement.sessions.getByRole('row')).toHaveCount(4);
	await expect(statement.payments.getByRole('row')).toHaveCount(3);
	await expect(statement.balanceIn('EUR').getByRole('row', { name: /Balance due/ })).toContainText(
		'€60.00'
	);
	await expectAccessibleAtBothSizes(page, 'statement');

	// On paper: the statement alone, without the navigation or the page's buttons.
	const shell = new AppShell(page);
	await page.emulateMedia({ media: 'print' });
	await expect(shell.nav).toBeHidden();
	await expect(statement.printButton).toBeHidden();
	await expect(statement.downloadLink).toBeHidden();
	await expect(page.getByText('Harbour Counselling')).toBeVisible();
	await screenshots(page, 'statement-print');
	await page.emulateMedia({ media: 'screen' });
	await expect(shell.nav).toBeVisible();

	const pdf = await statement.downloadPdf();
	expect(pdf.fileName).toMatch(
		/^statement-ana-statement-[0-9a-f]{6}-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.pdf$/
	);
	const parser = new PDFParse({ data: new Uint8Array(pdf.bytes) });
	const { text } = await parser.getText();
	await parser.destroy();
	expect(text).toContain('Harbour Counselling');
	expect(text).toContain('Portsmouth PO1 2AB');
	expect(text).toContain('Tax ID: GB 123 4567 89');
	expect(text).toContain(`Client: ${client.name}`);
	expect(text).toMatch(/Billed in this period\s+€180\.00/);
	expect(text).toMatch(/Payments received\s+-€120\.00/);
	expect(text).toMatch(/Balance due\s+€60\.00/);
	if (SHOTS_DIR) writeFileSync(join(SHOTS_DIR, 'statement.pdf'), pdf.bytes);
});
