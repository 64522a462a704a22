import { eq, inArray } from 'drizzle-orm';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as connect } from 'socket.io-client';
import { PDFParse } from 'pdf-parse';
import { beforeAll, describe, expect, it } from 'vitest';
import { AUTH_COOKIE, validateAuthSessionToken } from '../../src/lib/server/auth/session';
import { statementPdf } from '../../src/lib/server/billing/statement-pdf';
import type { Database } from '../../src/lib/server/db';
import { sessions } from '../../src/lib/server/db/schema';
import { signedUpPractitioner } from './support/browser';
import { useTestDatabase } from './support/database';
import { failure } from './support/errors';
import { makeClient, makeSessions } from './support/practice';
import { answerOf, requestEvent } from './support/routes';
import { waitFor } from './support/wait';
import { attachRealtime } from '../../src/lib/server/realtime/attach';
import { publishToUser, registerRealtimeServer } from '../../src/lib/server/realtime/publish';
import * as choicePage from '../../src/routes/(app)/billing/statements/+page.server';
import * as pdfRoute from '../../src/routes/(app)/billing/statements/[clientId]/statement.pdf/+server';

let db: Database;
beforeAll(async () => {
	({ db } = await useTestDatabase());
});

type Api = Awaited<ReturnType<Awaited<ReturnType<typeof signedUpPractitioner>>['browser']['api']>>;

/** A practitioner working in New York, five hours behind UTC in winter. */
async function newYorkPractitioner() {
	const person = await signedUpPractitioner(db, 'Dana Practice');
	const api = await person.browser.api();
	await api.account.updateProfile({
		name: 'Dana Practice',
		timeZone: 'America/New_York',
		currency: 'USD',
		locale: 'en-US',
		clock: '12'
	});
	return { ...person, api: await person.browser.api() };
}

/** One session with a status and payment, in the past so that any status may be set. */
async function session(
	api: Api,
	clientId: string,
	fields: {
		date: string;
		startTime: string;
		timeZone?: string;
		fee?: string;
		currency?: string;
		status?: 'completed' | 'no_show' | 'late_cancelled' | 'cancelled';
		payment?: { paymentStatus: 'paid' | 'waived'; paidOn?: string };
	}
) {
	const { ids } = await makeSessions(api, clientId, {
		date: fields.date,
		startTime: fields.startTime,
		timeZone: fields.timeZone ?? 'America/New_York',
		fee: fields.fee ?? '80',
		currency: fields.currency ?? 'USD'
	});
	const id = ids[0]!;
	if (fields.status) await api.sessions.setStatus({ id, status: fields.status, scope: 'this' });
	if (fields.payment) await api.sessions.setPayment({ id, ...fields.payment });
	return id;
}

describe('statements', () => {
	it('put each session on the day it happened in the practitioner’s zone, whatever zone it was booked in', async () => {
		const { api } = await newYorkPractitioner();
		const client = await makeClient(api, { name: 'Ana Zone' });
		// 22:00 on 31 December in New York is already 1 January in UTC.
		const lateDecember = await session(api, client.id, {
			date: '2025-12-31',
			startTime: '22:00',
			status: 'completed'
		});
		// 00:30 on 1 January in Berlin is still 31 December (18:30) in New York.
		const berlinNewYear = await session(api, client.id, {
			date: '2026-01-01',
			startTime: '00:30',
			timeZone: 'Europe/Berlin',
			status: 'completed'
		});
		// 20:00 on 31 January in New York is 1 February in UTC.
		const lateJanuary = await session(api, client.id, {
			date: '2026-01-31',
			startTime: '20:00',
			status: 'completed'
		});

		const december = await api.statements.get({
			clientId: client.id,
			from: '2025-12-01',
			to: '2025-12-31'
		});
		const january = await api.statements.get({
			clientId: client.id,
			from: '2026-01-01',
			to: '2026-01-31'
		});
		expect(december.sessions.map((s) => s.id).sort()).toEqual([lateDecember, berlinNewYear].sort());
		expect(january.sessions.map((s) => s.id)).toEqual([lateJanuary]);
		expect(january.totals).toEqual([
			{ currency: 'USD', opening: 16000, billed: 8000, waived: 0, paid: 0, closing: 24000 }
		]);
	});

	it('sum billed, waived and paid per currency, never across currencies, and carry the balance over', async () => {
		const { api } = await newYorkPractitioner();
		const client = await makeClient(api, { name: 'Ben Sums' });
		// Before the period: 100 USD owed, 50 EUR paid on time.
		await session(api, client.id, {
			date: '2026-02-20',
			startTime: '10:00',
			fee: '100',
			status: 'completed'
		});
		await session(api, client.id, {
			date: '2026-02-21',
			startTime: '10:00',
			fee: '50',
			currency: 'EUR',
			status: 'completed',
			payment: { paymentStatus: 'paid', paidOn: '2026-02-21' }
		});
		// In March: USD 80 completed and paid in March, USD 60.50 no-show unpaid, USD 40 waived,
		// USD 70 cancelled (not billed); EUR 90 late-cancelled and paid in April.
		const paidInMarch = await session(api, client.id, {
			date: '2026-03-02',
			startTime: '09:00',
			status: 'completed',
			payment: { paymentStatus: 'paid', paidOn: '2026-03-05' }
		});
		await session(api, client.id, {
			date: '2026-03-03',
			startTime: '09:00',
			fee: '60.50',
			status: 'no_show'
		});
		await session(api, client.id, {
			date: '2026-03-04',
			startTime: '09:00',
			fee: '40',
			status: 'completed',
			payment: { paymentStatus: 'waived' }
		});
		const cancelled = await session(api, client.id, {
			date: '2026-03-05',
			startTime: '09:00',
			fee: '70',
			status: 'cancelled'
		});
		await session(api, client.id, {
			date: '2026-03-06',
			startTime: '09:00',
			fee: '90',
			currency: 'EUR',
			status: 'late_cancelled',
			payment: { paymentStatus: 'paid', paidOn: '2026-04-02' }
		});
		// The February session, paid in March.
		const [february] = await db
			.select({ id: sessions.id })
			.from(sessions)
			.where(eq(sessions.startsAt, new Date('2026-02-20T15:00:00Z')));
		await api.sessions.setPayment({
			id: february!.id,
			paymentStatus: 'paid',
			paidOn: '2026-03-20'
		});

		const march = await api.statements.get({
			clientId: client.id,
			from: '2026-03-01',
			to: '2026-03-31'
		});
		expect(march.totals).toEqual([
			{ currency: 'EUR', opening: 0, billed: 9000, waived: 0, paid: 0, closing: 9000 },
			{
				currency: 'USD',
				opening: 10000,
				billed: 8000 + 6050 + 4000,
				waived: 4000,
				paid: 8000 + 10000,
				closing: 6050
			}
		]);
		expect(march.sessions).toHaveLength(5);
		expect(march.sessions.find((s) => s.id === cancelled)?.billedMinor).toBe(0);
		expect(march.payments.map((p) => [p.paidOn, p.feeMinor])).toEqual([
			['2026-03-05', 8000],
			['2026-03-20', 10000]
		]);
		expect(march.payments[0]!.id).toBe(paidInMarch);

		const april = await api.statements.get({
			clientId: client.id,
			from: '2026-04-01',
			to: '2026-04-30'
		});
		expect(april.sessions).toEqual([]);
		expect(april.totals).toEqual([
			{ currency: 'EUR', opening: 9000, billed: 0, waived: 0, paid: 9000, closing: 0 },
			{ currency: 'USD', opening: 6050, billed: 0, waived: 0, paid: 0, closing: 6050 }
		]);
	});

	it('carry the practice’s details, or the practitioner’s name when there is no practice name', async () => {
		const { api } = await newYorkPractitioner();
		const client = await makeClient(api);
		const period = { clientId: client.id, from: '2026-01-01', to: '2026-01-31' };
		expect((await api.statements.get(period)).practice).toEqual({
			name: 'Dana Practice',
			address: '',
			taxId: ''
		});
		await api.practice.saveDetails({
			name: 'Calm Rooms',
			address: 'Main St 1\r\nSpringfield',
			taxId: 'US-123'
		});
		const tooLong = await failure(
			api.practice.saveDetails({ name: '', address: 'a\nb\nc\nd\ne\nf\ng\nh\ni', taxId: '' })
		);
		expect(tooLong.code).toBe('BAD_REQUEST');
		expect(await api.practice.details()).toEqual({
			name: 'Calm Rooms',
			address: 'Main St 1\nSpringfield',
			taxId: 'US-123'
		});
		expect((await api.statements.get(period)).practice).toEqual({
			name: 'Calm Rooms',
			address: 'Main St 1\nSpringfield',
			taxId: 'US-123'
		});
	});

	it('refuse another practitioner’s client as not found, and a period that ends before it starts', async () => {
		const owner = await newYorkPractitioner();
		const client = await makeClient(owner.api);
		const other = await newYorkPractitioner();
		const refused = await failure(
			other.api.statements.get({ clientId: client.id, from: '2026-01-01', to: '2026-01-31' })
		);
		expect(refused.code).toBe('NOT_FOUND');
		const backwards = await failure(
			owner.api.statements.get({ clientId: client.id, from: '2026-02-01', to: '2026-01-31' })
		);
		expect(backwards.code).toBe('BAD_REQUEST');
	});

	it('come as a PDF with the practice, the client, the amounts and the balance in its text', async () => {
		const { api } = await newYorkPractitioner();
		await api.practice.saveDetails({
			name: 'Łódź Wellness Studio',
			address: 'Piotrkowska 1\n90-001 Łódź',
			taxId: 'PL 123'
		});
		const client = await makeClient(api, { name: 'Zoë Ærø Müller' });
		const tokyo = await makeClient(api, { name: '山田 太郎' });
		await session(api, client.id, {
			date: '2026-03-02',
			startTime: '09:00',
			fee: '80',
			status: 'completed'
		});
		await session(api, client.id, {
			date: '2026-03-03',
			startTime: '09:00',
			fee: '1234.50',
			currency: 'INR',
			status: 'completed',
			payment: { paymentStatus: 'paid', paidOn: '2026-03-04' }
		});
		const statement = await api.statements.get({
			clientId: client.id,
			from: '2026-03-01',
			to: '2026-03-31'
		});
		const text = await pdfText(await statementPdf(statement));
		// ó is Latin-1 and stays; ź and Ł are not, and lose their marks.
		expect(text).toContain('Lódz Wellness Studio');
		expect(text).toContain('Tax ID: PL 123');
		expect(text).toContain('Zoë Ærø Müller');
		expect(text).toContain('$80.00');
		// No rupee sign in the standard fonts: the amount carries its code instead.
		expect(text).toMatch(/INR\s1,234\.50/);
		expect(text).toMatch(/Balance due\s+\$80\.00/);
		expect(text).not.toContain('cannot be shown');

		const unreadable = await api.statements.get({
			clientId: tokyo.id,
			from: '2026-03-01',
			to: '2026-03-31'
		});
		const fallback = await pdfText(await statementPdf(unreadable));
		expect(fallback).toContain('Client: ?? ??');
		expect(fallback).toContain('cannot be shown in this PDF');
	});
});

describe('choosing a statement', () => {
	it('turns a month, a quarter, a year or two dates into the statement’s address', async () => {
		const owner = await newYorkPractitioner();
		const client = await makeClient(owner.api);
		const signedIn = await validateAuthSessionToken(db, owner.browser.token!, owner.browser.client);
		const choose = (fields: Record<string, string>) =>
			answerOf(() =>
				choicePage.actions.default!(
					requestEvent({
						path: '/billing/statements',
						form: { clientId: client.id, ...fields },
						signedIn: { user: signedIn!.user, authSession: signedIn!.session }
					}) as never
				)
			);
		const address = (from: string, to: string) =>
			`/billing/statements/${client.id}?from=${from}&to=${to}`;
		expect(await choose({ period: 'month', month: '2028-02' })).toEqual({
			status: 303,
			location: address('2028-02-01', '2028-02-29')
		});
		expect((await choose({ period: 'quarter', quarter: '2026-Q2' })).location).toBe(
			address('2026-04-01', '2026-06-30')
		);
		expect((await choose({ period: 'year', year: '2026' })).location).toBe(
			address('2026-01-01', '2026-12-31')
		);
		expect(
			(await choose({ period: 'custom', from: '2026-03-15', to: '2026-04-14' })).location
		).toBe(address('2026-03-15', '2026-04-14'));
		const backwards = await choose({ period: 'custom', from: '2026-04-15', to: '2026-04-14' });
		expect(backwards.status).toBe(400);
		expect(JSON.stringify(backwards.data)).toContain('Choose an end on or after the start.');
		expect((await choose({ period: 'month', month: '2026-13' })).status).toBe(400);
	});
});

describe('the statement PDF download', () => {
	it('is an attachment with a plain file name for the owner, and not found for anyone else', async () => {
		const owner = await newYorkPractitioner();
		const other = await newYorkPractitioner();
		const client = await makeClient(owner.api, { name: 'Zoë "Quote" / Ñandú\r\n' });
		const download = async (person: typeof owner) => {
			const signedIn = await validateAuthSessionToken(
				db,
				person.browser.token!,
				person.browser.client
			);
			const event = requestEvent({
				path: `/billing/statements/${client.id}/statement.pdf?from=2026-03-01&to=2026-03-31`,
				params: { clientId: client.id },
				signedIn: { user: signedIn!.user, authSession: signedIn!.session }
			});
			return answerOf(() => pdfRoute.GET(event as never));
		};

		const answer = await download(owner);
		const response = answer.data as Response;
		expect(response.headers.get('content-type')).toBe('application/pdf');
		expect(response.headers.get('content-disposition')).toBe(
			'attachment; filename="statement-zoe-quote-nandu-2026-03-01-2026-03-31.pdf"'
		);
		expect(await pdfText(Buffer.from(await response.arrayBuffer()))).toContain(
			'Zoë "Quote" / Ñandú'
		);
		expect((await download(other)).status).toBe(404);
	});
});

async function pdfText(pdf: Buffer): Promise<string> {
	const parser = new PDFParse({ data: new Uint8Array(pdf) });
	try {
		return (await parser.getText()).text;
	} finally {
		await parser.destroy();
	}
}

describe('marking several sessions paid', () => {
	it('lists what is unpaid and billable, and marks the chosen ones paid on one date', async () => {
		const { api } = await newYorkPractitioner();
		const ana = await makeClient(api, { name: 'Ana' });
		const ben = await makeClient(api, { name: 'Ben' });
		const a1 = await session(api, ana.id, {
			date: '2026-03-02',
			startTime: '09:00',
			status: 'completed'
		});
		const a2 = await session(api, ana.id, {
			date: '2026-03-03',
			startTime: '09:00',
			status: 'no_show'
		});
		const b1 = await session(api, ben.id, {
			date: '2026-03-04',
			startTime: '09:00',
			status: 'late_cancelled'
		});
		await session(api, ben.id, { date: '2026-03-05', startTime: '09:00', status: 'cancelled' });
		await session(api, ben.id, {
			date: '2026-03-06',
			startTime: '09:00',
			fee: '0',
			status: 'completed'
		});
		await session(api, ben.id, {
			date: '2026-03-07',
			startTime: '09:00',
			status: 'completed',
			payment: { paymentStatus: 'waived' }
		});

		expect((await api.sessions.unpaid({})).sessions.map((s) => s.id)).toEqual([a1, a2, b1]);
		expect((await api.sessions.unpaid({ clientId: ben.id })).sessions.map((s) => s.id)).toEqual([
			b1
		]);

		expect(
			await api.sessions.markPaid({ ids: [a1, b1, b1.toUpperCase()], paidOn: '2026-03-10' })
		).toEqual({
			ids: expect.arrayContaining([a1, b1])
		});
		const rows = await db
			.select()
			.from(sessions)
			.where(inArray(sessions.id, [a1, a2, b1]));
		expect(Object.fromEntries(rows.map((r) => [r.id, [r.paymentStatus, r.paidOn]]))).toEqual({
			[a1]: ['paid', '2026-03-10'],
			[a2]: ['unpaid', null],
			[b1]: ['paid', '2026-03-10']
		});
		expect((await api.sessions.unpaid({})).sessions.map((s) => s.id)).toEqual([a2]);
		// Already paid: named again, it keeps its date.
		expect(await api.sessions.markPaid({ ids: [a1, a2], paidOn: '2026-03-11' })).toEqual({
			ids: [a2]
		});
		const [first] = await db.select().from(sessions).where(eq(sessions.id, a1));
		expect(first!.paidOn).toBe('2026-03-10');
	});

	it('is all or nothing: one session of another practitioner among them refuses the whole call', async () => {
		const owner = await newYorkPractitioner();
		const other = await newYorkPractitioner();
		const mine = await makeClient(owner.api);
		const theirs = await makeClient(other.api);
		const own = await session(owner.api, mine.id, {
			date: '2026-03-02',
			startTime: '09:00',
			status: 'completed'
		});
		const foreign = await session(other.api, theirs.id, {
			date: '2026-03-02',
			startTime: '09:00',
			status: 'completed'
		});

		const refused = await failure(
			owner.api.sessions.markPaid({ ids: [own, foreign], paidOn: '2026-03-10' })
		);
		expect(refused.code).toBe('NOT_FOUND');
		const rows = await db
			.select()
			.from(sessions)
			.where(inArray(sessions.id, [own, foreign]));
		expect(rows.map((r) => r.paymentStatus)).toEqual(['unpaid', 'unpaid']);
		expect((await other.api.sessions.unpaid({})).sessions.map((s) => s.id)).toEqual([foreign]);
		// Filtering by someone else's client finds nothing of theirs.
		expect(await owner.api.sessions.unpaid({ clientId: theirs.id })).toEqual({
			sessions: [],
			more: false
		});
	});
});

describe('marking sessions paid, live', () => {
	it('tells the owner’s open pages which sessions changed, and says nothing of a refused call', async () => {
		const http = createServer();
		const io = attachRealtime(http);
		await new Promise<void>((done) => http.listen(0, '127.0.0.1', done));
		const owner = await newYorkPractitioner();
		const other = await newYorkPractitioner();
		const socket = connect(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, {
			transports: ['websocket'],
			reconnection: false,
			extraHeaders: { cookie: `${AUTH_COOKIE}=${owner.browser.token}` }
		});
		try {
			const seen: unknown[] = [];
			socket.onAny((event: string, ...args: unknown[]) => seen.push([event, ...args]));
			await new Promise<void>((connected) => socket.once('connect', () => connected()));
			const client = await makeClient(owner.api);
			const foreignClient = await makeClient(other.api);
			const own = await session(owner.api, client.id, {
				date: '2026-03-02',
				startTime: '09:00',
				status: 'completed'
			});
			const foreign = await session(other.api, foreignClient.id, {
				date: '2026-03-02',
				startTime: '09:00',
				status: 'completed'
			});
			// Set-up's own events are all in once a marker sent after them is.
			publishToUser(owner.user.id, 'practice:changed', { entity: 'client', ids: ['set-up'] });
			await waitFor('set-up', () => JSON.stringify(seen.at(-1)).includes('set-up'));
			const settled = seen.length;

			await failure(owner.api.sessions.markPaid({ ids: [own, foreign], paidOn: '2026-03-10' }));
			await owner.api.sessions.markPaid({ ids: [own], paidOn: '2026-03-10' });
			await waitFor('the change', () => seen.length > settled);
			// A marker after it: anything the refused call sent would have arrived by then.
			publishToUser(owner.user.id, 'practice:changed', { entity: 'client', ids: [] });
			await waitFor('the marker', () => seen.length > settled + 1);
			expect(seen.slice(settled)).toEqual([
				['practice:changed', { entity: 'session', ids: [own] }],
				['practice:changed', { entity: 'client', ids: [] }]
			]);
		} finally {
			socket.close();
			registerRealtimeServer(undefined);
			await io.close();
		}
	});
});
