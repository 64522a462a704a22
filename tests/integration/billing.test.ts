import { parse } from 'csv-parse/sync';
import { eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { billingChart, clientSummary, practiceSummary } from '../../src/lib/server/billing/summary';
import type { Database } from '../../src/lib/server/db';
import * as schema from '../../src/lib/server/db/schema';
import { sessionCharges, sessions } from '../../src/lib/server/db/schema';
import { validateAuthSessionToken } from '../../src/lib/server/auth/session';
import * as summaryCsv from '../../src/routes/(app)/billing/summary.csv/+server';
import * as sessionPage from '../../src/routes/(app)/sessions/[id]/+page.server';
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

async function practitioner(timeZone = 'Europe/Berlin') {
	const person = await signedUpPractitioner(db);
	const api = await person.browser.api();
	if (timeZone !== 'Europe/Berlin') {
		await api.account.updateProfile({
			name: 'Robin Therapist',
			timeZone,
			currency: 'EUR',
			locale: 'en-GB',
			clock: 'locale'
		});
	}
	return { ...person, api: await person.browser.api() };
}

const hoursFromNow = (hours: number) => new Date(Date.now() + hours * 3_600_000);
/** The date and time of an instant in UTC, as the session form takes them. */
const utcParts = (instant: Date) => ({
	date: instant.toISOString().slice(0, 10),
	startTime: instant.toISOString().slice(11, 16),
	timeZone: 'UTC'
});

async function oneSession(api: Api, fields: Parameters<typeof makeSessions>[2] = {}) {
	const client = await makeClient(api);
	const { ids } = await makeSessions(api, client.id, fields);
	return { clientId: client.id, id: ids[0]! };
}

async function billing(id: string) {
	const [row] = await db
		.select({ status: sessions.status, feeMinor: sessions.feeMinor, charge: sessionCharges })
		.from(sessions)
		.leftJoin(sessionCharges, eq(sessionCharges.sessionId, sessions.id))
		.where(eq(sessions.id, id));
	return row!;
}

const policy = (fields: Partial<Parameters<Api['billing']['savePolicy']>[0]> = {}) => ({
	noShowBasis: 'full' as const,
	noShowPercent: 100,
	lateCancelBasis: 'full' as const,
	lateCancelPercent: 100,
	lateCancelWindowHours: 0,
	...fields
});

describe('the cancellation policy', () => {
	it('without one, no-shows and late cancellations are billed in full and no cancellation is late', async () => {
		const { api } = await practitioner();
		expect(await api.billing.policy()).toEqual({
			noShowPercent: 100,
			lateCancelPercent: 100,
			lateCancelWindowHours: 0
		});
		const soon = await oneSession(api, { ...utcParts(hoursFromNow(2)), fee: '80' });
		await api.sessions.setStatus({ id: soon.id, status: 'cancelled', scope: 'this' });
		expect(await billing(soon.id)).toMatchObject({ status: 'cancelled', feeMinor: 8000 });
	});

	it('a no-show costs the full fee, a percentage or nothing, and the fee comes back when the status does', async () => {
		const { api } = await practitioner();
		const cases = [
			{ basis: 'full' as const, percent: 30, billed: 8000, kept: 100 },
			{ basis: 'percent' as const, percent: 33, billed: 2640, kept: 33 },
			{ basis: 'none' as const, percent: 30, billed: 0, kept: 0 }
		];
		for (const [i, { basis, percent, billed, kept }] of cases.entries()) {
			await api.billing.savePolicy(policy({ noShowBasis: basis, noShowPercent: percent }));
			const { id } = await oneSession(api, { date: `2025-03-0${i + 1}`, fee: '80' });
			await api.sessions.setStatus({ id, status: 'no_show', scope: 'this' });
			expect(await billing(id)).toMatchObject({
				status: 'no_show',
				feeMinor: billed,
				charge: { listFeeMinor: 8000, percent: kept, setForSession: false }
			});
			await api.sessions.setStatus({ id, status: 'completed', scope: 'this' });
			expect(await billing(id)).toEqual({ status: 'completed', feeMinor: 8000, charge: null });
		}
	});

	it('a percentage is rounded to the nearest minor unit of the currency', async () => {
		const { api } = await practitioner();
		await api.billing.savePolicy(policy({ noShowBasis: 'percent', noShowPercent: 50 }));
		const { id } = await oneSession(api, { date: '2025-03-01', fee: '1001', currency: 'JPY' });
		await api.sessions.setStatus({ id, status: 'no_show', scope: 'this' });
		expect(await billing(id)).toMatchObject({ feeMinor: 501 });
	});

	it('a cancellation inside the late-cancel window is a late cancellation, charged by the policy; one before it is free', async () => {
		const { api } = await practitioner();
		await api.billing.savePolicy(
			policy({ lateCancelBasis: 'percent', lateCancelPercent: 50, lateCancelWindowHours: 24 })
		);
		const inside = await oneSession(api, { ...utcParts(hoursFromNow(23)), fee: '80' });
		const outside = await oneSession(api, { ...utcParts(hoursFromNow(25)), fee: '80' });
		await api.sessions.setStatus({ id: inside.id, status: 'cancelled', scope: 'this' });
		await api.sessions.setStatus({ id: outside.id, status: 'cancelled', scope: 'this' });
		expect(await billing(inside.id)).toMatchObject({ status: 'late_cancelled', feeMinor: 4000 });
		expect(await billing(outside.id)).toEqual({
			status: 'cancelled',
			feeMinor: 8000,
			charge: null
		});

		// Chosen outright, a late cancellation is charged also outside the window.
		await api.sessions.setStatus({ id: outside.id, status: 'late_cancelled', scope: 'this' });
		expect(await billing(outside.id)).toMatchObject({ status: 'late_cancelled', feeMinor: 4000 });
	});

	it('the session page warns of a late cancellation exactly when cancelling is charged as one, by the database’s clock', async () => {
		const { api, browser } = await practitioner();
		await api.billing.savePolicy(policy({ lateCancelWindowHours: 24 }));
		const validated = await validateAuthSessionToken(db, browser.token!, browser.client);
		const signedIn = { user: validated!.user, authSession: validated!.session };
		/** The page's warning, loaded while the app server's clock runs an hour off the database's. */
		async function warned(id: string, skewHours: number) {
			vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + skewHours * 3_600_000 });
			try {
				const event = requestEvent({ path: `/sessions/${id}`, params: { id }, signedIn });
				const page = (await sessionPage.load(event as never)) as {
					session: { cancellingIsLate: boolean };
				};
				return page.session.cancellingIsLate;
			} finally {
				vi.useRealTimers();
			}
		}
		// Starting 24½ hours from now: outside the window, however fast the app server's clock.
		const outside = await oneSession(api, { ...utcParts(hoursFromNow(24.5)), fee: '80' });
		expect(await warned(outside.id, 1)).toBe(false);
		await api.sessions.setStatus({ id: outside.id, status: 'cancelled', scope: 'this' });
		expect((await billing(outside.id)).status).toBe('cancelled');
		// Starting 23½ hours from now: inside, however slow the app server's clock.
		const inside = await oneSession(api, { ...utcParts(hoursFromNow(23.5)), fee: '80' });
		expect(await warned(inside.id, -1)).toBe(true);
		await api.sessions.setStatus({ id: inside.id, status: 'cancelled', scope: 'this' });
		expect((await billing(inside.id)).status).toBe('late_cancelled');
	});

	it('a cancellation of this and the following sessions charges only the ones inside the window', async () => {
		const { api } = await practitioner();
		await api.billing.savePolicy(policy({ lateCancelWindowHours: 48 }));
		const { ids } = await makeSessions(api, (await makeClient(api)).id, {
			...utcParts(hoursFromNow(24)),
			repeat: 'weekly',
			count: 3
		});
		await api.sessions.setStatus({ id: ids[0]!, status: 'cancelled', scope: 'following' });
		const after = await Promise.all(ids.map(billing));
		expect(after.map((row) => row.status)).toEqual(['late_cancelled', 'cancelled', 'cancelled']);
		expect(after.map((row) => row.feeMinor)).toEqual([8000, 8000, 8000]);
	});

	it('a charge set for one session stays until its status changes, and never outlives it', async () => {
		const { api } = await practitioner();
		await api.billing.savePolicy(
			policy({ noShowBasis: 'percent', noShowPercent: 50, lateCancelBasis: 'none' })
		);
		const { id } = await oneSession(api, { date: '2025-03-01', fee: '80' });
		await api.sessions.setStatus({ id, status: 'no_show', scope: 'this' });
		await api.billing.setCharge({ id, basis: 'percent', percent: 25 });
		expect(await billing(id)).toMatchObject({
			feeMinor: 2000,
			charge: { listFeeMinor: 8000, percent: 25, setForSession: true }
		});
		// Marked a no-show again (another tab, the tablet): the session keeps its own charge.
		await api.sessions.setStatus({ id, status: 'no_show', scope: 'this' });
		expect(await billing(id)).toMatchObject({ feeMinor: 2000 });

		// Editing the fee edits the full fee; the charge stays its share of it.
		const session = await api.sessions.get({ id });
		await api.sessions.update({
			id,
			clientId: session.clientId,
			date: '2025-03-01',
			startTime: '10:00',
			durationMinutes: 50,
			timeZone: 'Europe/Berlin',
			locationKind: 'in_person',
			locationDetail: '',
			fee: '100',
			currency: 'EUR'
		});
		expect(await billing(id)).toMatchObject({ feeMinor: 2500, charge: { listFeeMinor: 10000 } });

		// Another priced status takes the policy's charge again.
		await api.sessions.setStatus({ id, status: 'late_cancelled', scope: 'this' });
		expect(await billing(id)).toMatchObject({ feeMinor: 0, charge: { percent: 0 } });
		await api.billing.setCharge({ id, basis: 'full', percent: 0 });
		expect(await billing(id)).toMatchObject({ feeMinor: 10000, charge: { percent: 100 } });

		// Finishing it in session mode makes it a completed session at its full fee.
		await api.sessions.finish({ id });
		expect(await billing(id)).toEqual({ status: 'completed', feeMinor: 10000, charge: null });
		const refused = await failure(api.billing.setCharge({ id, basis: 'none', percent: 0 }));
		expect(refused.code).toBe('BAD_REQUEST');
	});

	it('a session marked before there was a policy is charged from the fee it has', async () => {
		const { api } = await practitioner();
		const { id } = await oneSession(api, { date: '2025-03-01', fee: '80' });
		await db.update(sessions).set({ status: 'no_show' }).where(eq(sessions.id, id));
		await api.billing.setCharge({ id, basis: 'percent', percent: 50 });
		expect(await billing(id)).toMatchObject({ feeMinor: 4000, charge: { listFeeMinor: 8000 } });
		await api.sessions.setStatus({ id, status: 'scheduled', scope: 'this' });
		expect(await billing(id)).toEqual({ status: 'scheduled', feeMinor: 8000, charge: null });
	});
});

/** Sessions of one practitioner with a status and payment each, for the summaries. */
async function seeded(
	api: Api,
	clientId: string,
	rows: {
		date: string;
		startTime?: string;
		fee: string;
		currency?: string;
		timeZone?: string;
		status: 'completed' | 'no_show' | 'late_cancelled' | 'cancelled' | 'scheduled';
		payment?: 'paid' | 'waived';
	}[]
) {
	for (const row of rows) {
		const { ids } = await makeSessions(api, clientId, {
			date: row.date,
			startTime: row.startTime ?? '10:00',
			fee: row.fee,
			currency: row.currency ?? 'EUR',
			timeZone: row.timeZone ?? 'Europe/Berlin'
		});
		const id = ids[0]!;
		if (row.status !== 'scheduled') {
			await api.sessions.setStatus({ id, status: row.status, scope: 'this' });
		}
		if (row.payment) {
			await api.sessions.setPayment({ id, paymentStatus: row.payment, paidOn: row.date });
		}
	}
}

const zero = {
	held: 0,
	billed: 0,
	paid: 0,
	waived: 0,
	outstanding: 0,
	noShows: 0,
	noShowCharged: 0,
	lateCancels: 0,
	lateCancelCharged: 0
};

describe('billing summaries', () => {
	it('sums each currency apart, for the practice and per client', async () => {
		const { api } = await practitioner();
		await api.billing.savePolicy(
			policy({ noShowBasis: 'percent', noShowPercent: 50, lateCancelBasis: 'none' })
		);
		const ana = await makeClient(api, { name: 'Ana' });
		const ben = await makeClient(api, { name: 'Ben' });
		await seeded(api, ana.id, [
			{ date: '2025-05-05', fee: '80', status: 'completed', payment: 'paid' },
			{ date: '2025-05-06', fee: '80', status: 'completed' },
			{ date: '2025-05-07', fee: '80', status: 'no_show' },
			{ date: '2025-05-08', fee: '100', currency: 'USD', status: 'completed', payment: 'waived' },
			{ date: '2025-05-09', fee: '80', status: 'cancelled' },
			// Outside the month.
			{ date: '2025-06-01', fee: '80', status: 'completed' }
		]);
		await seeded(api, ben.id, [
			{ date: '2025-05-12', fee: '60', status: 'completed', payment: 'paid' },
			{ date: '2025-05-13', fee: '60', status: 'late_cancelled' }
		]);
		await makeClient(api, { name: 'Cleo, no sessions' });

		const may = { from: '2025-05-01', to: '2025-05-31' };
		const summary = await api.billing.summary(may);
		expect(summary.practice).toEqual([
			{
				...zero,
				currency: 'EUR',
				held: 3,
				billed: 8000 + 8000 + 4000 + 6000,
				paid: 8000 + 6000,
				outstanding: 8000 + 4000,
				noShows: 1,
				noShowCharged: 4000,
				lateCancels: 1
			},
			{ ...zero, currency: 'USD', held: 1, billed: 10000, waived: 10000 }
		]);
		expect(summary.clients.map((c) => [c.clientName, c.totals.map((t) => t.currency)])).toEqual([
			['Ana', ['EUR', 'USD']],
			['Ben', ['EUR']]
		]);
		expect(summary.clients[1]!.totals[0]).toEqual({
			...zero,
			currency: 'EUR',
			held: 1,
			billed: 6000,
			paid: 6000,
			lateCancels: 1
		});

		const benAlone = await api.billing.clientSummary({ ...may, clientId: ben.id });
		expect(benAlone).toEqual(summary.clients[1]);
		const cleo = (await api.clients.list({ q: 'Cleo', limit: 1 })).items[0]!;
		expect(await api.billing.clientSummary({ ...may, clientId: cleo.id })).toEqual({
			clientId: cleo.id,
			clientName: 'Cleo, no sessions',
			totals: []
		});
	});

	for (const timeZone of ['Pacific/Auckland', 'America/Los_Angeles']) {
		it(`a session belongs to the month it happened in, in the practitioner's zone (${timeZone})`, async () => {
			const { api } = await practitioner(timeZone);
			const client = await makeClient(api);
			await seeded(api, client.id, [
				{ date: '2025-11-30', startTime: '23:30', fee: '10', timeZone, status: 'completed' },
				{ date: '2025-12-01', startTime: '00:30', fee: '20', timeZone, status: 'completed' },
				// Booked in another zone, but on 30 November at 23:40 in the practitioner's.
				{ date: '2025-11-30', startTime: '23:40', fee: '40', timeZone: 'UTC', status: 'completed' }
			]);
			const november = await api.billing.summary({ from: '2025-11-01', to: '2025-11-30' });
			const december = await api.billing.summary({ from: '2025-12-01', to: '2025-12-31' });
			const novemberBilled = timeZone === 'Pacific/Auckland' ? 1000 : 1000 + 4000;
			const decemberBilled = timeZone === 'Pacific/Auckland' ? 2000 + 4000 : 2000;
			expect(november.practice.map((t) => t.billed)).toEqual([novemberBilled]);
			expect(december.practice.map((t) => t.billed)).toEqual([decemberBilled]);
		});
	}

	it('the chart has the last twelve months, billed and paid per currency, this month last', async () => {
		const timeZone = 'America/Los_Angeles';
		const { api } = await practitioner(timeZone);
		const client = await makeClient(api);
		const today = new Intl.DateTimeFormat('en-CA', { timeZone }).format(new Date());
		/** The first day of the month `back` months before this one, in the practitioner's zone. */
		const firstOf = (back: number) => {
			const index = Number(today.slice(0, 4)) * 12 + Number(today.slice(5, 7)) - 1 - back;
			return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}-01`;
		};
		const lastOfLastMonth = new Date(Date.parse(`${firstOf(0)}T12:00:00Z`) - 86_400_000)
			.toISOString()
			.slice(0, 10);
		// Late cancellations: billed (in full, without a policy) whether or not they have begun.
		const lateOn = (date: string, fee: string, currency = 'EUR') =>
			({ date, startTime: '12:00', timeZone, fee, currency, status: 'late_cancelled' }) as const;
		await seeded(api, client.id, [
			{ ...lateOn(firstOf(0), '80'), payment: 'paid' },
			lateOn(firstOf(0), '50', 'USD'),
			lateOn(firstOf(11), '30'),
			lateOn(firstOf(12), '99'),
			// 23:30 on the last day of last month here is already this month in UTC.
			{ ...lateOn(lastOfLastMonth, '7'), startTime: '23:30' }
		]);
		const chart = await api.billing.chart();
		expect(chart.months).toHaveLength(12);
		expect(chart.months[0]).toBe(firstOf(11).slice(0, 7));
		expect(chart.months.at(-1)).toBe(today.slice(0, 7));
		expect(chart.currencies.map((c) => c.currency)).toEqual(['EUR', 'USD']);
		const [euros, dollars] = chart.currencies;
		expect(euros!.months.at(-1)).toEqual({ month: today.slice(0, 7), billed: 8000, paid: 8000 });
		expect(euros!.months[0]).toMatchObject({ billed: 3000, paid: 0 });
		expect(euros!.months[10]).toMatchObject({ billed: 700 });
		expect(euros!.months.slice(1, 10).every((m) => m.billed === 0)).toBe(true);
		expect(dollars!.months.at(-1)).toMatchObject({ billed: 5000, paid: 0 });
	});

	it('each view is one query', async () => {
		const { api, user } = await practitioner();
		const client = await makeClient(api);
		await seeded(api, client.id, [{ date: '2025-05-05', fee: '80', status: 'completed' }]);
		let queries = 0;
		const counted = drizzle(db.$client, { schema, logger: { logQuery: () => void queries++ } });
		const range = { from: '2025-05-01', to: '2025-05-31' };
		const views = [
			() => practiceSummary(counted, user.id, user.timeZone, range),
			() => clientSummary(counted, user.id, user.timeZone, { ...range, clientId: client.id }),
			() => billingChart(counted, user.id, user.timeZone)
		];
		for (const view of views) {
			queries = 0;
			await view();
			expect(queries).toBe(1);
		}
	});

	it('adds fees past 2^31 minor units: summary, chart, statement and what is owed', async () => {
		const { api } = await practitioner();
		const client = await makeClient(api);
		const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin' }).format(
			new Date()
		);
		// The largest fee a session takes (nine digits of yen): three of them pass 2^31.
		const largest = { date: today, fee: '999999999', currency: 'JPY' } as const;
		await seeded(api, client.id, [
			{ ...largest, status: 'late_cancelled', payment: 'paid' },
			{ ...largest, status: 'late_cancelled' },
			{ ...largest, status: 'late_cancelled' },
			{ ...largest, status: 'late_cancelled' }
		]);
		const all = 3_999_999_996;
		const unpaid = 2_999_999_997;
		expect(unpaid).toBeGreaterThan(2 ** 31);
		const month = { from: `${today.slice(0, 8)}01`, to: today };

		const summary = await api.billing.summary(month);
		expect(summary.practice[0]).toMatchObject({
			currency: 'JPY',
			billed: all,
			paid: 999_999_999,
			outstanding: unpaid,
			lateCancelCharged: all
		});
		const chart = await api.billing.chart();
		expect(chart.currencies[0]!.months.at(-1)).toEqual({
			month: today.slice(0, 7),
			billed: all,
			paid: 999_999_999
		});
		const statement = await api.statements.get({ clientId: client.id, ...month });
		expect(statement.totals[0]).toMatchObject({ billed: all, closing: unpaid });
		expect((await api.clients.get({ id: client.id })).owed).toEqual([
			{ currency: 'JPY', minor: unpaid }
		]);
	});

	it('refuses a range that ends before it starts or spans more than ten years', async () => {
		const { api } = await practitioner();
		expect(
			(await failure(api.billing.summary({ from: '2025-05-02', to: '2025-05-01' }))).code
		).toBe('BAD_REQUEST');
		expect(
			(await failure(api.billing.summary({ from: '2000-01-01', to: '2025-05-01' }))).code
		).toBe('BAD_REQUEST');
	});
});

describe('the CSV of a summary', () => {
	it('is the summary the page shows, in the currency’s units, with a BOM, CRLF and formulas defused; signed out, it sends to sign in', async () => {
		const person = await practitioner();
		const { api, browser } = person;
		const client = await makeClient(api, { name: '=HYPERLINK("https://evil.test")' });
		await seeded(api, client.id, [
			{ date: '2025-05-05', fee: '80.5', status: 'completed', payment: 'paid' },
			{ date: '2025-05-06', fee: '1000', currency: 'JPY', status: 'completed' }
		]);
		const validated = await validateAuthSessionToken(db, browser.token!, browser.client);
		const signedIn = { user: validated!.user, authSession: validated!.session };
		const path = '/billing/summary.csv?period=month&from=2025-05-20';

		const response = (await summaryCsv.GET(requestEvent({ path, signedIn }) as never)) as Response;
		expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
		expect(response.headers.get('content-disposition')).toBe(
			'attachment; filename="billing-2025-05-01-to-2025-05-31.csv"'
		);
		const bytes = Buffer.from(await response.arrayBuffer());
		expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
		const text = bytes.subarray(3).toString('utf8');
		expect(text.split('\r\n')).toHaveLength(6);
		const rows = parse(text) as string[][];
		expect(rows.map((row) => row.slice(0, 5))).toEqual([
			['Client', 'Currency', 'Sessions held', 'Billed', 'Paid'],
			['All clients (total)', 'EUR', '1', '80.50', '80.50'],
			['All clients (total)', 'JPY', '1', '1000', '0'],
			['\'=HYPERLINK("https://evil.test")', 'EUR', '1', '80.50', '80.50'],
			['\'=HYPERLINK("https://evil.test")', 'JPY', '1', '1000', '0']
		]);

		const signedOut = await answerOf(() => summaryCsv.GET(requestEvent({ path }) as never));
		expect(signedOut).toMatchObject({
			status: 303,
			location: `/sign-in?redirectTo=${encodeURIComponent(path)}`
		});
	});
});
