import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { validateAuthSessionToken } from '../../src/lib/server/auth/session';
import { createDatabase, type Database } from '../../src/lib/server/db';
import { csvDownload } from '../../src/lib/server/csv';
import { inBatches } from '../../src/lib/server/db/cursor';
import { sql } from 'drizzle-orm';
import * as clientsExport from '../../src/routes/(app)/clients/export.csv/+server';
import * as sessionsExport from '../../src/routes/(app)/sessions/export.csv/+server';
import * as subscribersExport from '../../src/routes/(app)/series/[id]/subscribers.csv/+server';
import { signedUpPractitioner, TestBrowser } from './support/browser';
import { useTestDatabase } from './support/database';
import { failure } from './support/errors';
import { makeClient, makeSessions } from './support/practice';
import { answerOf, requestEvent } from './support/routes';
import { publishedSeries, signUpAndConfirm } from './support/series';

let db: Database;
let url: string;
beforeAll(async () => {
	({ db, url } = await useTestDatabase());
});

async function practitioner() {
	const person = await signedUpPractitioner(db);
	const validated = await validateAuthSessionToken(
		db,
		person.browser.token!,
		person.browser.client
	);
	return {
		...person,
		api: await person.browser.api(),
		signedIn: { user: validated!.user, authSession: validated!.session }
	};
}
type Practitioner = Awaited<ReturnType<typeof practitioner>>;

type Handler = (event: never) => Response | Promise<Response>;

/** The download as the browser gets it: the route's response, its bytes read to the end. */
async function download(
	route: { GET: Handler },
	who: Practitioner,
	path: string,
	params: Record<string, string> = {}
) {
	const event = requestEvent({ path, params, signedIn: who.signedIn });
	const response = await route.GET(event as never);
	return { response, bytes: Buffer.from(await response.arrayBuffer()) };
}

const BOM = [0xef, 0xbb, 0xbf];

describe('exporting clients and sessions', () => {
	it('writes UTF-8 with a byte-order mark, CRLF, RFC 4180 quoting and defused formulas', async () => {
		const ana = await practitioner();
		await makeClient(ana.api, { name: '=HYPERLINK("http://evil.example","Click")' });
		await ana.api.clients.create({
			name: 'Müller, "Mo"',
			email: '',
			phone: '',
			notes: 'two\nlines',
			tags: '@risk'
		});
		await makeClient(ana.api, { name: '-2+3', phone: '+49 30 1234' });

		const { response, bytes } = await download(clientsExport, ana, '/clients/export.csv');
		expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
		expect(response.headers.get('content-disposition')).toBe('attachment; filename="clients.csv"');
		expect([...bytes.subarray(0, 3)]).toEqual(BOM);
		const text = bytes.subarray(3).toString('utf8');
		const [header, ...lines] = text.split('\r\n');
		expect(header).toBe('Name,Email,Phone,Tags,Notes,Archived,Created');
		expect(lines[0]).toMatch(/^'-2\+3,,'\+49 30 1234,,,,\d{4}-\d{2}-\d{2}T[\d:]+Z$/);
		expect(lines[1]).toMatch(/^"'=HYPERLINK\(""http:\/\/evil.example"",""Click""\)",,,,,,\d{4}/);
		expect(lines[2]).toMatch(/^"Müller, ""Mo""",,,'@risk,"two\nlines",,\d{4}/);
		expect(text.endsWith('\r\n')).toBe(true);
		// A real parser reads it back as written.
		expect(parse(text, { columns: true })).toMatchObject([
			{ Name: "'-2+3", Phone: "'+49 30 1234" },
			{ Name: `'=HYPERLINK("http://evil.example","Click")` },
			{ Name: 'Müller, "Mo"', Tags: "'@risk", Notes: 'two\nlines' }
		]);
	});

	it('gives every session time with its zone and offset', async () => {
		const ana = await practitioner();
		const client = await makeClient(ana.api, { name: 'Ana', email: 'ana@example.com' });
		await makeSessions(ana.api, client.id, {
			date: '2026-07-01',
			startTime: '18:00',
			timeZone: 'Asia/Kolkata'
		});
		await makeSessions(ana.api, client.id, {
			date: '2026-01-10',
			startTime: '08:30',
			timeZone: 'America/St_Johns'
		});
		const { bytes } = await download(sessionsExport, ana, '/sessions/export.csv');
		expect([...bytes.subarray(0, 3)]).toEqual(BOM);
		expect(parse(bytes.subarray(3), { columns: true })).toMatchObject([
			{
				Date: '2026-01-10',
				'Start time': '08:30',
				'Time zone': 'America/St_Johns',
				'Starts at': '2026-01-10T08:30:00-03:30'
			},
			{
				Date: '2026-07-01',
				'Start time': '18:00',
				'Time zone': 'Asia/Kolkata',
				'Starts at': '2026-07-01T18:00:00+05:30'
			}
		]);
	});

	it('shows a practitioner only their own clients, sessions and subscribers', async () => {
		const ana = await practitioner();
		const ben = await practitioner();
		const client = await makeClient(ana.api, { name: 'Ana’s client', email: 'secret@example.com' });
		await makeSessions(ana.api, client.id);
		const series = await publishedSeries(ana.api);
		await signUpAndConfirm(db, series.slug, 1);
		await makeClient(ben.api, { name: 'Ben’s client' });

		const clients = (await download(clientsExport, ben, '/clients/export.csv')).bytes.toString();
		const sessions = (await download(sessionsExport, ben, '/sessions/export.csv')).bytes.toString();
		expect(clients).toContain('Ben’s client');
		expect(clients).not.toContain('Ana’s client');
		expect(sessions.trim().split('\r\n')).toHaveLength(1);

		const theirs = await answerOf(() =>
			download(subscribersExport, ben, `/series/${series.id}/subscribers.csv`, { id: series.id })
		);
		expect(theirs.status).toBe(404);
		const refused = await failure(ben.api.exports.subscribers({ seriesId: series.id }));
		expect(refused.code).toBe('NOT_FOUND');

		const own = await download(subscribersExport, ana, `/series/${series.id}/subscribers.csv`, {
			id: series.id
		});
		expect([...own.bytes.subarray(0, 3)]).toEqual(BOM);
		const rows = parse(own.bytes.subarray(3), { columns: true }) as Record<string, string>[];
		expect(rows).toHaveLength(1);
		expect(Object.keys(rows[0]!)).toEqual([
			'Name',
			'Email',
			'Phone',
			'Status',
			'Emails',
			'Signed up'
		]);
	});

	it('signed out, the exports answer UNAUTHORIZED', async () => {
		const api = await new TestBrowser(db).api();
		for (const call of [() => api.exports.clients(), () => api.exports.sessions()]) {
			expect((await failure(call())).code).toBe('UNAUTHORIZED');
		}
	});
});

describe('streaming from a cursor', () => {
	it('reads the rows in batches of the size asked for', async () => {
		const sizes: number[] = [];
		const query = sql`select generate_series(1, 2500) as n`;
		for await (const rows of inBatches<{ n: number }>(db, query, 1000)) sizes.push(rows.length);
		expect(sizes).toEqual([1000, 1000, 500]);
	});

	it('a download the browser stops reading gives its connection back at once', async () => {
		// One connection: while a cursor held it, the query after the download would wait forever.
		const single = createDatabase(url, { max: 1 });
		try {
			const rows = inBatches<{ n: number }>(
				single,
				sql`select generate_series(1, 100000)::text as n`,
				100
			);
			const download = await csvDownload(
				'x.csv',
				(async function* () {
					for await (const batch of rows) yield batch.map((row) => [row.n]);
				})()
			);
			const body = download.body!;
			const reader = body.getReader();
			expect((await reader.read()).done).toBe(false);
			await reader.cancel();
			const [answer] = await single.execute<{ one: number }>(sql`select 1 as one`);
			expect(answer!.one).toBe(1);
		} finally {
			await single.$client.end();
		}
	});
});
