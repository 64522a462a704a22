import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import ICAL from 'ical.js';
import { CalendarSettingsPage } from './pages/calendar-settings';
import { AgendaPage } from './pages/sessions';
import { newAccount, signUpAndConfirm } from './support/accounts';
import { expectAccessibleAtBothSizes } from './support/axe';
import { createClient, createSession, isoDate } from './support/practice';
import { screenshots } from './support/shots';

/** A fixture of the integration tests, with {{YEAR}} made next year (see its README). */
const YEAR = new Date().getUTCFullYear() + 1;
const googleExport = readFileSync(
	new URL('../fixtures/calendar/google.ics', import.meta.url),
	'utf8'
).replaceAll('{{YEAR}}', String(YEAR));

test.describe('Calendar feed and import', () => {
	test('a practitioner creates a feed address that a calendar app (no cookie) can read, and a new address ends the old one', async ({
		page,
		context,
		request
	}) => {
		// Signing up and axe scans at two sizes: slow on a shared machine.
		test.setTimeout(120_000);
		await signUpAndConfirm(page, newAccount('feed'));
		const client = await createClient(context.request, { name: 'Ana María López' });
		const date = isoDate(3);
		const sessionId = await createSession(context.request, {
			clientId: client.id,
			date,
			startTime: '14:00',
			timeZone: 'Europe/Berlin'
		});

		const settings = new CalendarSettingsPage(page);
		await settings.goto();
		await screenshots(page, 'settings-calendar');
		const url = await settings.createFeed();
		expect(url).toMatch(/\/calendar\/[a-z2-7]{32}\.ics$/);
		await expectAccessibleAtBothSizes(page, 'settings-calendar-feed');

		// Playwright's own request context: no cookie of the signed-in browser.
		const answer = await request.get(url);
		expect(answer.status()).toBe(200);
		expect(answer.headers()['content-type']).toBe('text/calendar; charset=utf-8');
		const calendar = new ICAL.Component(ICAL.parse(await answer.text()));
		const [event] = calendar.getAllSubcomponents('vevent');
		expect(event!.getFirstPropertyValue('uid')).toBe(`session-${sessionId}@sessionboard`);
		expect(event!.getFirstPropertyValue('summary')).toBe('Session with A.M.L.');
		expect(event!.getFirstProperty('dtstart')!.getParameter('tzid')).toBe('Europe/Berlin');
		expect(
			calendar.getAllSubcomponents('vtimezone').map((zone) => zone.getFirstPropertyValue('tzid'))
		).toEqual(['Europe/Berlin']);

		await settings.showFullNames(true);
		await expect(settings.feedUrl).toHaveValue(url);
		const named = new ICAL.Component(ICAL.parse(await (await request.get(url)).text()));
		expect(named.getFirstSubcomponent('vevent')!.getFirstPropertyValue('summary')).toBe(
			'Session with Ana María López'
		);

		const rotated = await settings.rotateFeed();
		expect(rotated).not.toBe(url);
		expect((await request.get(url)).status()).toBe(404);
		expect((await request.get(rotated)).status()).toBe(200);
	});

	test('a practitioner imports chosen events of a Google export and finds them as sessions', async ({
		page,
		context
	}) => {
		test.setTimeout(120_000);
		await signUpAndConfirm(page, newAccount('ics-import'));
		await createClient(context.request, { name: 'Anna Berg', email: 'anna.berg@example.com' });
		await createClient(context.request, { name: 'Maria Lopez' });

		const settings = new CalendarSettingsPage(page);
		await settings.goto();
		await settings.preview('practice.ics', googleExport);
		await expect(settings.events).toHaveCount(4);
		const intro = settings.event('Intro call with Maria Lopez');
		await expect(intro.getByRole('combobox')).toHaveValue(/.+/);
		await expect(intro.getByRole('combobox').locator('option:checked')).toHaveText('Maria Lopez');
		await expect(
			settings.event('Therapy').getByRole('combobox').first().locator('option:checked')
		).toHaveText('Anna Berg');
		await settings.events.first().scrollIntoViewIfNeeded();
		await expectAccessibleAtBothSizes(page, 'settings-calendar-import');

		await intro.getByRole('checkbox').uncheck();
		await settings.importChosen(3);
		await expect(settings.imports.getByRole('status')).toHaveText('Imported 3 sessions.');
		await expect(settings.events).toHaveCount(0);

		const agenda = new AgendaPage(page);
		await agenda.goto(`${YEAR}-03-16`, 'day');
		await expect(agenda.sessionsWith('Anna Berg')).toHaveCount(1);
		await agenda.goto(`${YEAR}-05-05`, 'day');
		await expect(agenda.sessionsWith('Maria Lopez')).toHaveCount(0);

		// The same file again: what came in before is marked and cannot be chosen.
		await settings.goto();
		await settings.preview('practice.ics', googleExport);
		await expect(settings.events.filter({ hasText: 'Imported before.' })).toHaveCount(3);
		await expect(intro.getByRole('checkbox')).toBeChecked();
		await settings.importChosen(1);
		await expect(settings.imports.getByRole('status')).toHaveText('Imported 1 session.');
	});
});
