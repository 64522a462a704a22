import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { AppShell } from './pages/app-shell';
import { ClientPage, ClientsPage } from './pages/clients';
import { DashboardPage } from './pages/dashboard';
import { AgendaPage, NewSessionPage, SessionPage } from './pages/sessions';
import { seriousViolations } from './support/axe';
import { sidewaysOverflow } from './support/layout';
import { screenshots } from './support/shots';
import { newAccount, signUpAndConfirm } from './support/accounts';
import {
	createClient,
	createPublishedSeries,
	createSession,
	isoDate,
	setSessionStatus,
	uniqueName,
	UUID,
	writeSignedNote
} from './support/practice';

test.describe('Clients and sessions', () => {
	test('a session that overlaps another is refused beside Start time, naming the other client, and nothing is created', async ({
		page,
		context
	}) => {
		await signUpAndConfirm(page, newAccount('overlap'));
		const booked = await createClient(context.request, { name: uniqueName('Olive Booked') });
		const newcomer = await createClient(context.request, { name: uniqueName('Nina Newcomer') });
		const date = isoDate(2);
		await createSession(context.request, {
			clientId: booked.id,
			date,
			startTime: '14:00',
			durationMinutes: 50
		});

		const form = new NewSessionPage(page);
		await form.goto(`?clientId=${newcomer.id}&date=${date}`);
		await form.fill({ clientName: newcomer.name, date, startTime: '14:30', durationMinutes: 50 });
		await form.submit();

		const clash = new RegExp(`overlaps your session with ${booked.name}`);
		await expect(form.startTimeError).toHaveText(clash);
		await expect(form.startTime).toHaveAttribute('aria-invalid', 'true');
		await expect(form.startTime).toHaveAccessibleDescription(clash);
		await expect(page).toHaveURL(/\/sessions\/new/);
		// What was typed is kept, to be corrected.
		await expect(form.startTime).toHaveValue('14:30');

		const agenda = new AgendaPage(page);
		await agenda.goto(date, 'day');
		await expect(agenda.sessionsWith(booked.name)).toHaveCount(1);
		await expect(agenda.sessionsWith(newcomer.name)).toHaveCount(0);
		await new ClientPage(page).goto(newcomer.id);
		await expect(page.getByText('No sessions yet.')).toBeVisible();

		// Right after the other session ends is free: the refusal was about the overlap alone.
		await form.goto(`?clientId=${newcomer.id}&date=${date}`);
		await form.fill({ clientName: newcomer.name, date, startTime: '14:50', durationMinutes: 50 });
		await form.submit();
		await expect(page).toHaveURL(new RegExp(`/sessions/${UUID.source}$`));
		await new SessionPage(page).expectStatus('Scheduled');
		await agenda.goto(date, 'day');
		await expect(agenda.sessionsWith(newcomer.name)).toHaveCount(1);
	});

	test('group dates stand beside sessions in the agenda and the next 7 days, linking to their series, and a session on top of one is flagged', async ({
		page,
		context
	}) => {
		await signUpAndConfirm(page, newAccount('group-dates'));
		const client = await createClient(context.request, { name: uniqueName('Cleo Clash') });
		const title = uniqueName('Morning Stretch');
		const date = isoDate(2);
		const seriesId = await createPublishedSeries(context.request, {
			title,
			date,
			startTime: '10:00',
			capacity: 6
		});
		const onTop = await createSession(context.request, {
			clientId: client.id,
			date,
			startTime: '10:30'
		});

		const agenda = new AgendaPage(page);
		for (const view of ['day', 'week'] as const) {
			await agenda.goto(date, view);
			await expect(agenda.groupDate(title)).toContainText('10:00–11:00');
			await expect(agenda.groupDate(title)).toContainText('0 of 6 places taken');
			await expect(agenda.sessionsWith(client.name)).toContainText(
				`Overlaps the group date of ${title}`
			);
		}
		expect(await seriousViolations(page), 'agenda with a group date').toEqual([]);
		await screenshots(page, 'agenda-group-date');
		await agenda.groupDate(title).click();
		await expect(page).toHaveURL(new RegExp(`/series/${seriesId}$`));

		const dashboard = new DashboardPage(page);
		await dashboard.goto();
		await expect(dashboard.groupDate(title)).toContainText('0 of 6 places taken');
		await expect(dashboard.session(client.name)).toContainText(
			`Overlaps the group date of ${title}`
		);

		// Two days ahead: not begun, so only what can happen before a session is offered.
		const session = new SessionPage(page);
		await session.goto(onTop);
		await expect(session.groupClash).toContainText(`overlaps a group date: ${title}`);
		await expect(session.groupClash.getByRole('link', { name: title })).toHaveAttribute(
			'href',
			`/series/${seriesId}`
		);
		await expect(session.statusButton('Completed')).toHaveCount(0);
		await expect(session.statusButton('No-show')).toHaveCount(0);
		await expect(session.statusButton('Late cancellation')).toBeVisible();
		await expect(session.signLater).toBeVisible();
		expect(await seriousViolations(page), 'session with a clash').toEqual([]);
		await screenshots(page, 'session-clash');
	});

	test('the search finds clients by part of their email or phone as you type; archived clients leave the list and show under Archived', async ({
		page,
		context
	}) => {
		await signUpAndConfirm(page, newAccount('client-search'));
		const maya = await createClient(context.request, {
			name: uniqueName('Maya'),
			email: 'moonwalker.m@example.org',
			phone: '+46 70 123 45 67'
		});
		const tom = await createClient(context.request, {
			name: uniqueName('Tom'),
			email: 'tom@berg.example',
			phone: '020 7946 0018'
		});
		const ines = await createClient(context.request, {
			name: uniqueName('Ines'),
			email: 'ines@example.com',
			phone: '+1 415 555 0199'
		});

		const clients = new ClientsPage(page);
		await clients.goto();
		await expect(clients.entries).toHaveCount(3);

		// Typed key by key, no Enter: the list follows the typing. The box searches 200 ms after
		// the last key; typing a key every 250 ms over a connection that takes 100 ms more, each
		// search's results land just after the next key is typed. That key must not be lost.
		const slowResults = '**/clients/__data.json*';
		await page.route(slowResults, async (route) => {
			await new Promise((resolve) => setTimeout(resolve, 100));
			await route.continue();
		});
		await clients.search.pressSequentially('MOONWALK', { delay: 250 });
		await expect(page).toHaveURL(/[?&]q=MOONWALK/);
		await expect(clients.search).toHaveValue('MOONWALK');
		await expect(clients.entries).toHaveCount(1);
		await expect(clients.client(maya.name)).toBeVisible();
		await expect(clients.search).toBeFocused();
		await page.unroute(slowResults);

		await clients.search.clear();
		await clients.search.pressSequentially('7946 00', { delay: 30 });
		await expect(page).toHaveURL(/[?&]q=7946/);
		await expect(clients.entries).toHaveCount(1);
		await expect(clients.client(tom.name)).toBeVisible();

		await clients.search.clear();
		await clients.search.pressSequentially('555', { delay: 30 });
		await expect(clients.entries).toHaveCount(1);
		await expect(clients.client(ines.name)).toBeVisible();

		await clients.search.clear();
		await expect(clients.entries).toHaveCount(3);

		await clients.client(maya.name).click();
		const client = new ClientPage(page);
		await expect(page.getByRole('heading', { name: maya.name, level: 1 })).toBeVisible();
		await client.archive();
		await expect(page.getByText('Archived', { exact: true })).toBeVisible();

		await clients.goto();
		await expect(clients.show).toHaveValue('active');
		await expect(clients.entries).toHaveCount(2);
		await expect(clients.client(maya.name)).toHaveCount(0);
		await clients.search.pressSequentially('moonwalk', { delay: 30 });
		await expect(page.getByText('No clients match.')).toBeVisible();
		await clients.search.clear();
		await expect(clients.entries).toHaveCount(2);

		await clients.show.selectOption('archived');
		await expect(page).toHaveURL(/[?&]show=archived/);
		await expect(clients.entries).toHaveCount(1);
		await expect(clients.client(maya.name)).toContainText('Archived');

		await clients.show.selectOption('all');
		await expect(clients.entries).toHaveCount(3);

		// Restored, Maya is back in the everyday list.
		await clients.client(maya.name).click();
		await client.restoreButton.click();
		await expect(client.archiveButton).toBeVisible();
		await clients.goto();
		await expect(clients.client(maya.name)).toBeVisible();
		await expect(clients.entries).toHaveCount(3);
	});
});

/** Where screenshots go when E2E_SHOTS_DIR is set, to look at the pages by eye. */
const SHOTS_DIR = process.env.E2E_SHOTS_DIR;

test.describe('The practice pages, at desktop and tablet size', () => {
	test('have no serious or critical axe violations and do not scroll sideways', async ({
		page,
		context
	}) => {
		// A sweep of every page at two sizes: about a minute alone, twice that beside another test.
		test.setTimeout(240_000);
		await signUpAndConfirm(page, newAccount('practice-axe'));
		const { request } = context;
		const client = await createClient(request, {
			name: uniqueName('Alex Morgan'),
			email: 'alex.morgan@example.org',
			phone: '+44 20 7946 0321',
			tags: 'couples, online'
		});
		await createClient(request, { name: uniqueName('Jordan Lee'), tags: 'online' });
		const past = await createSession(request, {
			clientId: client.id,
			date: isoDate(-7),
			startTime: '09:00'
		});
		await setSessionStatus(request, past, 'completed');
		await writeSignedNote(
			request,
			past,
			'## Summary\n\nTalked through the **week**; agreed on two small steps.\n\n- Sleep diary\n- Call back on Friday'
		);
		const today = await createSession(request, {
			clientId: client.id,
			date: isoDate(0),
			startTime: '07:00'
		});
		await createSession(request, { clientId: client.id, date: isoDate(1), startTime: '09:00' });
		// A group date on top of tomorrow's session: shown beside it, and flagged.
		const seriesId = await createPublishedSeries(request, {
			title: uniqueName('Morning Stretch'),
			date: isoDate(1),
			startTime: '09:30'
		});

		const pages: { path: string; name: string }[] = [
			{ path: '/dashboard', name: 'dashboard' },
			{ path: '/clients', name: 'clients' },
			{ path: '/clients/new', name: 'client-new' },
			{ path: `/clients/${client.id}`, name: 'client' },
			{ path: '/sessions', name: 'sessions' },
			{ path: `/sessions/new?clientId=${client.id}`, name: 'session-new' },
			{ path: `/sessions/${past}`, name: 'session-past' },
			{ path: `/sessions/${today}`, name: 'session' },
			{ path: `/series/${seriesId}`, name: 'series' }
		];
		if (SHOTS_DIR) mkdirSync(SHOTS_DIR, { recursive: true });
		const shell = new AppShell(page);

		for (const viewport of [
			{ width: 1280, height: 800 },
			{ width: 820, height: 1180 }
		]) {
			await page.setViewportSize(viewport);
			const size = `${viewport.width}x${viewport.height}`;
			for (const { path, name } of pages) {
				const response = await page.goto(path);
				expect(response?.status(), `status of ${path}`).toBe(200);
				await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
				await shell.expectLive();
				expect.soft(await seriousViolations(page), `${path} at ${size}`).toEqual([]);
				expect
					.soft(await sidewaysOverflow(page), `sideways overflow on ${path} at ${size}`)
					.toBeLessThanOrEqual(0);
				if (SHOTS_DIR) {
					await page.screenshot({ path: join(SHOTS_DIR, `${name}-${size}.png`), fullPage: true });
				}
			}
		}

		// The forms with their errors showing, where axe also looks at the error wiring.
		await page.goto('/clients/new');
		await page.getByRole('button', { name: 'Add client' }).click();
		await expect(page.getByText('Enter the client’s name.')).toBeVisible();
		expect.soft(await seriousViolations(page), '/clients/new with an error').toEqual([]);

		const form = new NewSessionPage(page);
		await form.goto(`?clientId=${client.id}`);
		await form.fill({ clientName: client.name, date: isoDate(1), startTime: '09:30' });
		await form.submit();
		await expect(form.startTimeError).toContainText('overlaps your session');
		expect.soft(await seriousViolations(page), '/sessions/new with an overlap').toEqual([]);
		if (SHOTS_DIR) {
			await page.screenshot({ path: join(SHOTS_DIR, 'session-new-overlap-820x1180.png') });
		}

		// The pages above showed the data set up for them, not empty states.
		const dashboard = new DashboardPage(page);
		await dashboard.goto();
		await expect(dashboard.todayCount).toHaveText('1');
		// Today's and tomorrow's sessions, and the group date.
		await expect(dashboard.upcoming.getByRole('link')).toHaveCount(3);
		await expect(dashboard.unpaidTotal).toHaveText('€60.00');
		// The note's excerpt is its words, not its markdown source.
		const recentNotes = page.getByRole('region', { name: 'Recent notes' });
		await expect(recentNotes).toContainText('Talked through the week; agreed on two small steps.');
		await expect(recentNotes).toContainText('Sleep diary');
		await expect(recentNotes).not.toContainText('**');
		await expect(recentNotes).not.toContainText('## ');
	});
});
