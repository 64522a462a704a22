import {
	formatCalendarDate,
	formatDateTime,
	paymentStatusLabels,
	sessionStatusLabels,
	type DatePrefs
} from './format';
import { formatMoney } from './money';
import type { PaymentStatus, SessionStatus } from './server/db/schema';

/** The parts of a statement that are written out, the same on the page and in the PDF. */
type StatementData = {
	practice: { name: string; address: string; taxId: string };
	client: { name: string; email: string | null };
	from: string;
	to: string;
	prefs: DatePrefs & { timeZone: string };
	sessions: {
		id: string;
		startsAt: Date;
		status: SessionStatus;
		paymentStatus: PaymentStatus;
		paidOn: string | null;
		billedMinor: number;
		currency: string;
	}[];
	payments: {
		id: string;
		startsAt: Date;
		paidOn: string | null;
		feeMinor: number;
		currency: string;
	}[];
	totals: {
		currency: string;
		opening: number;
		billed: number;
		waived: number;
		paid: number;
		closing: number;
	}[];
};

/** A table of the statement: the page and the PDF draw the same columns and cells. */
export type StatementTable = {
	title: string;
	empty: string;
	columns: { title: string; align?: 'right' }[];
	rows: { key: string; cells: string[] }[];
};

/** The statement in words: every date, status and amount as the practitioner reads them. */
export function statementView(
	statement: StatementData,
	money: (minor: number, currency: string, locale: string) => string = formatMoney
) {
	const { prefs } = statement;
	const amount = (minor: number, currency: string) => money(minor, currency, prefs.locale);
	const less = (minor: number, currency: string) =>
		minor ? `−${amount(minor, currency)}` : amount(minor, currency);
	const day = (date: string) => formatCalendarDate(date, prefs, 'short');
	return {
		practice: {
			name: statement.practice.name,
			addressLines: statement.practice.address.split('\n').filter((line) => line.trim()),
			taxId: statement.practice.taxId
		},
		client: statement.client,
		period: `${formatCalendarDate(statement.from, prefs, 'long')} – ${formatCalendarDate(statement.to, prefs, 'long')}`,
		timeZone: prefs.timeZone,
		sessions: {
			title: 'Sessions',
			empty: 'No sessions in this period.',
			columns: [
				{ title: 'Date and time' },
				{ title: 'Status' },
				{ title: 'Billed', align: 'right' },
				{ title: 'Payment' }
			],
			rows: statement.sessions.map((session) => ({
				key: session.id,
				cells: [
					formatDateTime(session.startsAt, prefs.timeZone, prefs),
					sessionStatusLabels[session.status],
					session.billedMinor ? amount(session.billedMinor, session.currency) : '—',
					session.paymentStatus === 'paid' && session.paidOn
						? `Paid ${day(session.paidOn)}`
						: paymentStatusLabels[session.paymentStatus]
				]
			}))
		} satisfies StatementTable,
		payments: {
			title: 'Payments received',
			empty: 'No payments in this period.',
			columns: [
				{ title: 'Paid on' },
				{ title: 'For the session of' },
				{ title: 'Amount', align: 'right' }
			],
			rows: statement.payments.map((payment) => ({
				key: payment.id,
				cells: [
					day(payment.paidOn!),
					formatDateTime(payment.startsAt, prefs.timeZone, prefs),
					amount(payment.feeMinor, payment.currency)
				]
			}))
		} satisfies StatementTable,
		totals: statement.totals.map((total) => ({
			currency: total.currency,
			rows: [
				['Balance before this period', amount(total.opening, total.currency)],
				['Billed in this period', amount(total.billed, total.currency)],
				['Waived', less(total.waived, total.currency)],
				['Payments received', less(total.paid, total.currency)]
			] as [string, string][],
			balance: [
				total.closing < 0 ? 'In credit at the end of the period' : 'Balance due',
				amount(Math.abs(total.closing), total.currency)
			] as [string, string]
		}))
	};
}

export type StatementView = ReturnType<typeof statementView>;
