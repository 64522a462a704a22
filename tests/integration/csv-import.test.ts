import { eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_IMPORT_BYTES } from '../../src/lib/import-limits';
import { validateAuthSessionToken } from '../../src/lib/server/auth/session';
import { handle } from '../../src/hooks.server';
import * as clientsImportPage from '../../src/routes/(app)/clients/import/+page.server';
import type { Database } from '../../src/lib/server/db';
import { clients, sessions } from '../../src/lib/server/db/schema';
import { CSV_BOM, csvLines, type CsvValue } from '../../src/lib/server/csv';
import { signedUpPractitioner } from './support/browser';
import { useTestDatabase } from './support/database';
import { failure } from './support/errors';
import { makeClient, makeSessions } from './support/practice';
import { answerOf, requestEvent } from './support/routes';

let db: Database;
beforeAll(async () => {
	({ db } = await useTestDatabase());
});

type Api = Awaited<ReturnType<Awaited<ReturnType<typeof signedUpPractitioner>>['browser']['api']>>;

const base64 = (content: string | Uint8Array) => Buffer.from(content).toString('base64');

async function practitioner() {
	const person = await signedUpPractitioner(db);
	return { ...person, api: await person.browser.api() };
}

/** Imports clients with the mapping the preview guessed, as the page does by default. */
async function importClients(api: Api, content: string, duplicates: 'skip' | 'merge' = 'skip') {
	const file = base64(content);
	const { mapping } = await api.imports.preview({ kind: 'clients', file });
	return api.imports.clients({ file, mapping: mapping as never, duplicates });
}

async function importSessions(api: Api, content: string) {
	const file = base64(content);
	const { mapping } = await api.imports.preview({ kind: 'sessions', file });
	return api.imports.sessions({ file, mapping: mapping as never });
}

const clientsOf = (ownerId: string) =>
	db
		.select({
			name: clients.name,
			email: clients.email,
			phone: clients.phone,
			notes: clients.notes,
			tags: clients.tags
		})
		.from(clients)
		.where(eq(clients.ownerId, ownerId))
		.orderBy(clients.name);

const sessionCount = async (ownerId: string) =>
	(await db.select({ id: sessions.id }).from(sessions).where(eq(sessions.ownerId, ownerId))).length;

/** What the export procedure yields, written as the download writes it. */
async function exportText(records: AsyncIterable<CsvValue[][]>): Promise<string> {
	let text = CSV_BOM;
	for await (const batch of records) text += csvLines(batch);
	return text;
}

describe('reading the file', () => {
	it('reads UTF-8 with a byte-order mark, CRLF, quoted line breaks and semicolons', async () => {
		const { api, user } = await practitioner();
		const content = `${CSV_BOM}Name;Email;Notes\r\nAna Müller;ana@example.com;"Prefers mornings;\r\nno calls"\r\nBen;;\r\n`;
		const preview = await api.imports.preview({ kind: 'clients', file: base64(content) });
		expect(preview).toMatchObject({
			header: ['Name', 'Email', 'Notes'],
			rowCount: 2,
			delimiter: ';',
			mapping: { name: 0, email: 1, notes: 2 }
		});
		expect(await importClients(api, content)).toEqual({
			imported: true,
			created: 2,
			merged: 0,
			skipped: 0
		});
		expect(await clientsOf(user.id)).toEqual([
			{
				name: 'Ana Müller',
				email: 'ana@example.com',
				phone: null,
				notes: 'Prefers mornings;\r\nno calls',
				tags: []
			},
			{ name: 'Ben', email: null, phone: null, notes: '', tags: [] }
		]);
	});

	it('reads commas and LF without a byte-order mark too', async () => {
		const { api } = await practitioner();
		const preview = await api.imports.preview({
			kind: 'clients',
			file: base64('Name,Email\n"Diaz, Carla",carla@example.com\n')
		});
		expect(preview).toMatchObject({
			delimiter: ',',
			sample: [['Diaz, Carla', 'carla@example.com']]
		});
	});

	it('says plainly what it cannot read', async () => {
		const { api } = await practitioner();
		const messageFor = async (file: string) =>
			(await failure(api.imports.preview({ kind: 'clients', file }))).message;
		const utf16 = Buffer.concat([
			Buffer.from([0xff, 0xfe]),
			Buffer.from('Name\r\nAna\r\n', 'utf16le')
		]);
		expect(await messageFor(base64(utf16))).toMatch(/UTF-16.*CSV UTF-8/);
		const latin1 = Buffer.from('Name\nJosé\n', 'latin1');
		expect(await messageFor(base64(latin1))).toMatch(/not UTF-8 text/);
		const png = Buffer.from([
			0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d
		]);
		expect(await messageFor(base64(png))).toMatch(/not UTF-8 text/);
		const zip = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00]);
		expect(await messageFor(base64(zip))).toMatch(/binary data/);
		expect(await messageFor('')).toMatch(/empty/);
		expect(await messageFor(base64('\n\n'))).toMatch(/empty/);
		expect(await messageFor(base64('Name,Email\n'))).toMatch(/header but no rows/);
		expect(
			await messageFor(base64('Name,Email\nAna,a@example.com\nBen,b@example.com,extra\n'))
		).toMatch(/Line 3 has a different number of columns/);
		expect(await messageFor(base64('Name,Email\n"Ana,a@example.com\n'))).toMatch(/never closed/);
		expect(await messageFor(base64('x'.repeat(MAX_IMPORT_BYTES + 1)))).toMatch(/at most 10 MB/);
	});
});

describe('guessing the columns', () => {
	const guess = async (kind: 'clients' | 'sessions', header: string) => {
		const { api } = await practitioner();
		const columns = header.split(',').length;
		const row = Array.from({ length: columns }, () => 'x').join(',');
		const { mapping } = await api.imports.preview({ kind, file: base64(`${header}\n${row}\n`) });
		return Object.fromEntries(Object.entries(mapping).filter(([, column]) => column !== null));
	};

	it('knows Google Contacts, old and new', async () => {
		expect(
			await guess(
				'clients',
				'First Name,Middle Name,Last Name,E-mail 1 - Value,Phone 1 - Value,Labels'
			)
		).toEqual({ firstName: 0, lastName: 2, email: 3, phone: 4, tags: 5 });
		expect(
			await guess(
				'clients',
				'Name,Given Name,Family Name,E-mail 1 - Type,E-mail 1 - Value,Phone 1 - Value,Notes'
			)
		).toEqual({ name: 0, firstName: 1, lastName: 2, email: 4, phone: 5, notes: 6 });
	});

	it('knows Acuity’s and SimplePractice’s client lists', async () => {
		expect(await guess('clients', 'First Name,Last Name,Phone,Email,Notes')).toEqual({
			firstName: 0,
			lastName: 1,
			phone: 2,
			email: 3,
			notes: 4
		});
		expect(await guess('clients', 'Client Name,Email Address,Mobile Phone,Client Notes')).toEqual({
			name: 0,
			email: 1,
			phone: 2
		});
	});

	it('knows Acuity’s and Cal.com’s appointments, and our own export', async () => {
		expect(
			await guess(
				'sessions',
				'Start Time,End Time,First Name,Last Name,Phone,Email,Type,Appointment Price,Paid?'
			)
		).toEqual({
			startTime: 0,
			endTime: 1,
			clientFirstName: 2,
			clientLastName: 3,
			clientEmail: 5,
			fee: 7,
			paymentStatus: 8
		});
		expect(
			await guess('sessions', 'Attendee Name,Attendee Email,Start Time,End Time,Location')
		).toEqual({
			clientName: 0,
			clientEmail: 1,
			startTime: 2,
			endTime: 3,
			locationKind: 4
		});
		expect(
			await guess(
				'sessions',
				'Client,Client email,Date,Start time,Duration (minutes),Time zone,Starts at,Location,Location detail,Fee,Currency,Status,Payment,Paid on'
			)
		).toEqual({
			clientName: 0,
			clientEmail: 1,
			date: 2,
			startTime: 3,
			durationMinutes: 4,
			timeZone: 5,
			locationKind: 7,
			locationDetail: 8,
			fee: 9,
			currency: 10,
			status: 11,
			paymentStatus: 12,
			paidOn: 13
		});
	});
});

describe('importing clients', () => {
	it('checks every row with the form’s schema and lists each problem by row and column; nothing is imported', async () => {
		const { api, user } = await practitioner();
		const outcome = await importClients(
			api,
			'Name,E-mail,Phone\nAna,ana@example.com,+49 30 1\nBen,not-an-email,\n,carla@example.com,\nDan,,call me\n'
		);
		expect(outcome).toEqual({
			imported: false,
			errorCount: 3,
			errors: [
				{ row: 3, column: 'E-mail', message: 'Enter a valid email address.' },
				{ row: 4, column: 'Name', message: 'Enter the client’s name.' },
				{ row: 5, column: 'Phone', message: 'Use digits, spaces and + ( ) - only.' }
			]
		});
		expect(await clientsOf(user.id)).toEqual([]);
	});

	it('names a column by the start of a long name, however many rows it has problems in', async () => {
		const { api } = await practitioner();
		const longName = `E-mail ${'x'.repeat(90_000)}`;
		const file = base64(`Name,${longName}\n${'Ana,not-an-email\n'.repeat(150)}`);
		const { mapping } = await api.imports.preview({ kind: 'clients', file });
		const outcome = await api.imports.clients({
			file,
			mapping: { ...(mapping as Record<string, number | null>), email: 1 } as never,
			duplicates: 'skip'
		});
		expect(outcome).toMatchObject({ imported: false, errorCount: 150 });
		const { errors } = outcome as { errors: { column: string }[] };
		expect(errors).toHaveLength(100);
		for (const { column } of errors) expect(column).toBe(`${longName.slice(0, 79)}…`);
	});

	it('joins first and last names and takes Google’s labels as tags', async () => {
		const { api, user } = await practitioner();
		await importClients(
			api,
			'Given Name,Family Name,E-mail 1 - Value,Labels\nAna,Berg,ANA@example.com,"* myContacts ::: Couples, * Starred :::Online"\n'
		);
		expect(await clientsOf(user.id)).toMatchObject([
			{
				name: 'Ana Berg',
				email: 'ana@example.com',
				tags: ['mycontacts', 'couples', 'starred', 'online']
			}
		]);
	});

	it('takes a cell as long as its field takes, and refuses a longer one by row and column at once', async () => {
		const { api, user } = await practitioner();
		const longest = {
			name: 'N'.repeat(200),
			notes: 'n'.repeat(20_000),
			tags: `${Array.from({ length: 20 }, (_, i) => `${i}`.padEnd(40, 't'))
				.join(' ::: ')
				.padEnd(999)},`
		};
		expect(longest.tags).toHaveLength(1000);
		const header = 'Name,Notes,Labels';
		expect(
			await importClients(api, `${header}\n${longest.name},${longest.notes},"${longest.tags}"\n`)
		).toMatchObject({ imported: true, created: 1 });

		// Whitespace that leads nowhere: reading Google's labels through it took seconds a cell.
		const labels = `x${' '.repeat(99_000)}x`;
		const started = performance.now();
		const outcome = await importClients(
			api,
			`${header}\nAna,,${labels}\n${'N'.repeat(201)},${'n'.repeat(20_001)},\n`
		);
		expect(performance.now() - started).toBeLessThan(3000);
		expect(outcome).toEqual({
			imported: false,
			errorCount: 3,
			errors: [
				{ row: 2, column: 'Labels', message: 'Use at most 1,000 characters.' },
				{ row: 3, column: 'Name', message: 'Use at most 200 characters.' },
				{ row: 3, column: 'Notes', message: 'Use at most 20,000 characters.' }
			]
		});
		expect(await clientsOf(user.id)).toHaveLength(1);
	});

	it('refuses a mapping without a name column', async () => {
		const { api } = await practitioner();
		const error = await failure(
			api.imports.clients({
				file: base64('Email\na@example.com\n'),
				mapping: {
					name: null,
					firstName: null,
					lastName: null,
					email: 0,
					phone: null,
					notes: null,
					tags: null
				},
				duplicates: 'skip'
			})
		);
		expect(error.message).toBe('Choose the column that holds the client’s name.');
	});

	it('skips duplicates by email, or merges them into the client already there', async () => {
		const file =
			'Name,Email,Phone,Tags,Notes\nAna New,ANA@example.com,+1 555,online,Second note\nBen,ben@example.com,,,\nBen Again,ben@example.com,+1 777,vip,\n';
		const skipping = await practitioner();
		await makeClient(skipping.api, {
			name: 'Ana',
			email: 'ana@example.com',
			phone: '+49 1',
			tags: 'couples'
		});
		expect(await importClients(skipping.api, file, 'skip')).toEqual({
			imported: true,
			created: 1,
			merged: 0,
			skipped: 2
		});
		expect(await clientsOf(skipping.user.id)).toMatchObject([
			{ name: 'Ana', phone: '+49 1', tags: ['couples'] },
			{ name: 'Ben', phone: null, tags: [] }
		]);

		const merging = await practitioner();
		await merging.api.clients.create({
			name: 'Ana',
			email: 'ana@example.com',
			phone: '+49 1',
			notes: 'First note',
			tags: 'couples'
		});
		expect(await importClients(merging.api, file, 'merge')).toEqual({
			imported: true,
			created: 1,
			merged: 2,
			skipped: 0
		});
		expect(await clientsOf(merging.user.id)).toEqual([
			{
				name: 'Ana New',
				email: 'ana@example.com',
				phone: '+1 555',
				notes: 'First note\n\nSecond note',
				tags: ['couples', 'online']
			},
			{ name: 'Ben Again', email: 'ben@example.com', phone: '+1 777', notes: '', tags: ['vip'] }
		]);
	});

	it('is all or nothing: when the database refuses one row, the merges made before it are undone', async () => {
		const { api, user } = await practitioner();
		await makeClient(api, { name: 'Ana', email: 'ana@example.com' });
		// A rule only this test has, to make the database refuse a row that passed every check.
		await db.execute(
			sql`alter table clients add constraint test_refused check (name <> 'Refused')`
		);
		try {
			const error = await importClients(
				api,
				'Name,Email\nAna Merged,ana@example.com\nRefused,\n',
				'merge'
			).then(
				() => null,
				(e: unknown) => e
			);
			expect(error).not.toBeNull();
		} finally {
			await db.execute(sql`alter table clients drop constraint test_refused`);
		}
		expect(await clientsOf(user.id)).toMatchObject([{ name: 'Ana', email: 'ana@example.com' }]);
	});
});

describe('importing sessions', () => {
	it('matches clients by email or name, takes Acuity’s times and prices, and imports them all', async () => {
		const { api, user } = await practitioner();
		await makeClient(api, { name: 'Ana Berg', email: 'ana@example.com' });
		await makeClient(api, { name: 'Ben Cole' });
		const outcome = await importSessions(
			api,
			[
				'Start Time,End Time,First Name,Last Name,Email,Appointment Price,Paid?,Time zone',
				'2026-03-02 9:00 am,2026-03-02 9:50 am,Ana,Berg,ana@example.com,$80.00,yes,America/New_York',
				'2026-03-02T11:00:00+01:00,2026-03-02T12:00:00+01:00,Ben,Cole,,60,no,Europe/Berlin'
			].join('\r\n')
		);
		expect(outcome).toEqual({ imported: true, created: 2, merged: 0, skipped: 0 });
		const rows = await db
			.select({
				startsAt: sessions.startsAt,
				endsAt: sessions.endsAt,
				timeZone: sessions.timeZone,
				feeMinor: sessions.feeMinor,
				paymentStatus: sessions.paymentStatus,
				paidOn: sessions.paidOn
			})
			.from(sessions)
			.where(eq(sessions.ownerId, user.id))
			.orderBy(sessions.startsAt);
		expect(rows).toEqual([
			{
				startsAt: new Date('2026-03-02T10:00:00Z'),
				endsAt: new Date('2026-03-02T11:00:00Z'),
				timeZone: 'Europe/Berlin',
				feeMinor: 6000,
				paymentStatus: 'unpaid',
				paidOn: null
			},
			{
				startsAt: new Date('2026-03-02T14:00:00Z'),
				endsAt: new Date('2026-03-02T14:50:00Z'),
				timeZone: 'America/New_York',
				feeMinor: 8000,
				paymentStatus: 'paid',
				paidOn: '2026-03-02'
			}
		]);
	});

	it('lists unknown clients and bad values by row and column, and imports nothing', async () => {
		const { api, user } = await practitioner();
		await makeClient(api, { name: 'Ana', email: 'ana@example.com' });
		await makeClient(api, { name: 'Twin' });
		await makeClient(api, { name: 'twin' });
		const outcome = await importSessions(
			api,
			[
				'Client email,Client,Date,Start time,Duration,Time zone,Status',
				'ana@example.com,,2026-03-02,10:00,50,Europe/Berlin,',
				'nobody@example.com,,2026-03-03,10:00,50,Europe/Berlin,',
				',Twin,2026-03-04,10:00,50,Europe/Berlin,',
				'ana@example.com,,03/05/2026,25:00,50,Mars/Olympus,',
				'ana@example.com,,2026-03-06,10:00,50,Europe/Berlin,maybe'
			].join('\n')
		);
		expect(outcome).toEqual({
			imported: false,
			errorCount: 6,
			errors: [
				{
					row: 3,
					column: 'Client email',
					message: expect.stringMatching(/No client has the email or name nobody@example.com/)
				},
				{
					row: 4,
					column: 'Client email',
					message: expect.stringMatching(/More than one client is called Twin/)
				},
				{ row: 5, column: 'Date', message: 'Choose a date. Write it as YYYY-MM-DD.' },
				{ row: 5, column: 'Start time', message: 'Choose a time. Write it as HH:MM.' },
				{ row: 5, column: 'Time zone', message: 'Choose a valid time zone.' },
				{
					row: 6,
					column: 'Status',
					message: expect.stringMatching(/^Use one of: Scheduled, Completed/)
				}
			]
		});
		expect(await sessionCount(user.id)).toBe(0);
	});

	it('refuses a cell longer than its field takes by row and column, at once', async () => {
		const { api, user } = await practitioner();
		await makeClient(api, { name: 'Ana', email: 'ana@example.com' });
		// Each of these took a regular expression seconds to read.
		const startTime = `2026-01-01 1:00${' '.repeat(99_000)}!`;
		const fee = `${'x'.repeat(99_000)}1`;
		const started = performance.now();
		const outcome = await importSessions(
			api,
			[
				'Client email,Start time,Time zone,Fee',
				`ana@example.com,${startTime},Europe/Berlin,60`,
				`ana@example.com,2026-03-02 10:00,Europe/Berlin,${fee}`,
				`ana@example.com,2026-03-03 10:00,${'Europe/Berlin'.padEnd(65, 'x')},60`
			].join('\n')
		);
		expect(performance.now() - started).toBeLessThan(3000);
		expect(outcome).toEqual({
			imported: false,
			errorCount: 3,
			errors: [
				{ row: 2, column: 'Start time', message: 'Use at most 100 characters.' },
				{ row: 3, column: 'Fee', message: 'Use at most 100 characters.' },
				{ row: 4, column: 'Time zone', message: 'Use at most 64 characters.' }
			]
		});
		expect(await sessionCount(user.id)).toBe(0);
	});

	it('takes a Location that is a Zoom address, another address or a place, reading the address’s host', async () => {
		const { api, user } = await practitioner();
		await makeClient(api, { name: 'Ana', email: 'ana@example.com' });
		const outcome = await importSessions(
			api,
			[
				'Client email,Date,Start time,Time zone,Location',
				'ana@example.com,2026-03-02,10:00,Europe/Berlin,https://us02web.zoom.us/j/1',
				'ana@example.com,2026-03-03,10:00,Europe/Berlin,https://evil.example/?zoom.us/',
				'ana@example.com,2026-03-04,10:00,Europe/Berlin,Room 4',
				'ana@example.com,2026-03-05,10:00,Europe/Berlin,Phone'
			].join('\n')
		);
		expect(outcome).toMatchObject({ imported: true, created: 4 });
		const rows = await db
			.select({ kind: sessions.locationKind, detail: sessions.locationDetail })
			.from(sessions)
			.where(eq(sessions.ownerId, user.id))
			.orderBy(sessions.startsAt);
		expect(rows).toEqual([
			{ kind: 'zoom', detail: 'https://us02web.zoom.us/j/1' },
			{ kind: 'link', detail: 'https://evil.example/?zoom.us/' },
			{ kind: 'in_person', detail: 'Room 4' },
			{ kind: 'phone', detail: '' }
		]);
	});

	it('reports a time with an offset in a zone it does not know by row and column', async () => {
		const { api, user } = await practitioner();
		await makeClient(api, { name: 'Ana', email: 'ana@example.com' });
		const outcome = await importSessions(
			api,
			[
				'Client email,Start time,Time zone',
				'ana@example.com,2026-03-02T10:00+01:00,Mars/Olympus'
			].join('\n')
		);
		expect(outcome).toMatchObject({
			imported: false,
			errors: expect.arrayContaining([
				{ row: 2, column: 'Time zone', message: 'Choose a valid time zone.' }
			])
		});
		expect(await sessionCount(user.id)).toBe(0);
	});

	it('refuses a date paid that is not in the calendar by row and column, and imports nothing', async () => {
		const { api, user } = await practitioner();
		await makeClient(api, { name: 'Ana', email: 'ana@example.com' });
		const outcome = await importSessions(
			api,
			[
				'Client email,Date,Start time,Time zone,Payment,Date paid',
				'ana@example.com,2026-03-02,10:00,Europe/Berlin,Paid,2026-03-02',
				'ana@example.com,2026-03-03,10:00,Europe/Berlin,Paid,2026-02-31'
			].join('\n')
		);
		expect(outcome).toEqual({
			imported: false,
			errorCount: 1,
			errors: [
				{
					row: 3,
					column: 'Date paid',
					message: 'Choose a date that exists in the calendar. Write it as YYYY-MM-DD.'
				}
			]
		});
		expect(await sessionCount(user.id)).toBe(0);
	});

	it('refuses rows that overlap each other or a session already booked, naming them, and imports nothing', async () => {
		const { api, user } = await practitioner();
		const ana = await makeClient(api, { name: 'Ana', email: 'ana@example.com' });
		await makeSessions(api, ana.id, {
			date: '2026-03-02',
			startTime: '10:00',
			timeZone: 'Europe/Berlin'
		});
		const header = 'Client email,Date,Start time,Duration,Time zone,Status';
		const outcome = await importSessions(
			api,
			[
				header,
				'ana@example.com,2026-03-02,10:30,50,Europe/Berlin,',
				'ana@example.com,2026-03-03,09:00,120,Europe/Berlin,',
				'ana@example.com,2026-03-03,10:00,30,Europe/Berlin,',
				// Cancelled sessions hold no slot, so this one overlaps nothing.
				'ana@example.com,2026-03-03,09:30,30,Europe/Berlin,Cancelled'
			].join('\n')
		);
		expect(outcome).toEqual({
			imported: false,
			errorCount: 2,
			errors: [
				{
					row: 2,
					column: 'Start time',
					message: 'This overlaps your session with Ana on 2026-03-02 10:00 Europe/Berlin.'
				},
				{ row: 4, column: 'Start time', message: 'This overlaps the session in row 3.' }
			]
		});
		expect(await sessionCount(user.id)).toBe(1);
	});
});

describe('export and import again', () => {
	it('a practice exported and imported into another account exports the same', async () => {
		const first = await practitioner();
		const ana = await makeClient(first.api, {
			name: '=Ana "the" Berg',
			email: 'ana@example.com',
			phone: '+49 30 1234',
			tags: 'couples, online'
		});
		const ben = await makeClient(first.api, { name: 'Ben, Jr.' });
		await makeSessions(first.api, ana.id, {
			date: '2026-03-28',
			startTime: '18:00',
			timeZone: 'Europe/Berlin',
			repeat: 'weekly',
			count: 3
		});
		const [nyId] = (
			await makeSessions(first.api, ben.id, {
				date: '2026-03-07',
				startTime: '09:15',
				durationMinutes: 45,
				timeZone: 'America/New_York',
				locationKind: 'link',
				locationDetail: 'https://meet.example.com/x',
				fee: '120.5',
				currency: 'USD'
			})
		).ids;
		await first.api.sessions.setStatus({ id: nyId!, status: 'completed', scope: 'this' });
		await first.api.sessions.setPayment({ id: nyId!, paymentStatus: 'paid', paidOn: '2026-03-09' });

		const clientsCsv = await exportText(await first.api.exports.clients());
		const sessionsCsv = await exportText(await first.api.exports.sessions());
		expect(sessionsCsv).toContain('2026-03-28,18:00,50,Europe/Berlin,2026-03-28T18:00:00+01:00');
		expect(sessionsCsv).toContain('2026-04-04,18:00,50,Europe/Berlin,2026-04-04T18:00:00+02:00');
		expect(sessionsCsv).toContain('2026-03-07,09:15,45,America/New_York,2026-03-07T09:15:00-05:00');

		const second = await practitioner();
		expect(await importClients(second.api, clientsCsv)).toMatchObject({
			imported: true,
			created: 2
		});
		expect(await importSessions(second.api, sessionsCsv)).toMatchObject({
			imported: true,
			created: 4
		});
		// The created times differ; everything else comes back as it was.
		const withoutCreated = (csv: string) => csv.replace(/,\d{4}-\d{2}-\d{2}T[\d:]+Z\r\n/g, '\r\n');
		expect(withoutCreated(await exportText(await second.api.exports.clients()))).toBe(
			withoutCreated(clientsCsv)
		);
		expect(await exportText(await second.api.exports.sessions())).toBe(sessionsCsv);
	});
});

describe('the import page', () => {
	/** A post of the page's form: the file, as a browser attaches it, and the other fields. */
	async function post(
		action: 'preview' | 'import',
		who: Awaited<ReturnType<typeof practitioner>>,
		file: string | null,
		fields: Record<string, string> = {}
	) {
		const validated = await validateAuthSessionToken(db, who.browser.token!, who.browser.client);
		const event = requestEvent({
			path: `/clients/import?/${action}`,
			signedIn: { user: validated!.user, authSession: validated!.session }
		});
		const body = new FormData();
		if (file !== null) body.append('file', new File([file], 'clients.csv', { type: 'text/csv' }));
		for (const [name, value] of Object.entries(fields)) body.append(name, value);
		const request = new Request(event.url, { method: 'POST', body });
		return answerOf(() => clientsImportPage.actions[action]!({ ...event, request } as never));
	}

	it('previews the file posted, imports it with the columns chosen, and refuses what is not a file or a column', async () => {
		const who = await practitioner();
		const content = 'Nom,Courriel\nAna,ana@example.com\n';
		expect(await post('preview', who, content)).toMatchObject({
			status: 200,
			data: { fileName: 'clients.csv', preview: { header: ['Nom', 'Courriel'], rowCount: 1 } }
		});
		expect(await post('import', who, content, { 'map.name': '0', 'map.email': '1' })).toMatchObject(
			{
				status: 200,
				data: { outcome: { imported: true, created: 1 } }
			}
		);
		expect(await clientsOf(who.user.id)).toMatchObject([{ name: 'Ana', email: 'ana@example.com' }]);
		expect(await post('import', who, null)).toEqual({
			status: 400,
			data: { problem: 'Choose a CSV file to import.' }
		});
		expect(await post('import', who, content, { 'map.name': 'first' })).toMatchObject({
			status: 400,
			data: { problem: expect.any(String) }
		});
	});
});

describe('the import stays within its owner’s practice', () => {
	it('an email of another practitioner’s client neither merges into it nor matches it for a session', async () => {
		const ana = await practitioner();
		const ben = await practitioner();
		await makeClient(ana.api, { name: 'Shared', email: 'shared@example.com', phone: '+49 1' });
		expect(
			await importClients(ben.api, 'Name,Email,Phone\nMine,shared@example.com,+1 2\n', 'merge')
		).toEqual({
			imported: true,
			created: 1,
			merged: 0,
			skipped: 0
		});
		expect(await clientsOf(ana.user.id)).toMatchObject([{ name: 'Shared', phone: '+49 1' }]);
		const onlyAna = await practitioner();
		await makeClient(ana.api, { name: 'Only Ana', email: 'only-ana@example.com' });
		const outcome = await importSessions(
			onlyAna.api,
			'Email,Date,Start time\nonly-ana@example.com,2026-03-02,10:00\n'
		);
		expect(outcome).toMatchObject({ imported: false, errorCount: 1 });
		expect(await sessionCount(ana.user.id)).toBe(0);
	});
});

describe('the size of a request', () => {
	it('only the import pages take bodies over 512 KB', async () => {
		const passed = new Response('resolved');
		const post = async (routeId: string) => {
			const event = requestEvent({ path: '/somewhere' });
			const request = new Request(event.url, {
				method: 'POST',
				headers: { 'content-length': String(600 * 1024) }
			});
			const response = await handle({
				event: { ...event, request, route: { id: routeId } } as never,
				resolve: async () => passed
			});
			return response.status;
		};
		expect(await post('/(app)/sessions/[id]')).toBe(413);
		expect(await post('/api/trpc/[...trpc]')).toBe(413);
		expect(await post('/(app)/clients/import')).toBe(200);
		expect(await post('/(app)/sessions/import')).toBe(200);
	});
});
