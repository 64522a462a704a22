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
		sessions: statement.sessions.map((session) => ({
			id: session.id,
			when: formatDateTime(session.startsAt, prefs.timeZone, prefs),
			status: sessionStatusLabels[session.status],
			billed: session.billedMinor ? amount(session.billedMinor, session.currency) : '—',
			payment:
				session.paymentStatus === 'paid' && session.paidOn
					? `Paid ${day(session.paidOn)}`
					: paymentStatusLabels[session.paymentStatus]
		})),
		payments: statement.payments.map((payment) => ({
			id: payment.id,
			paidOn: day(payment.paidOn!),
			forSession: formatDateTime(payment.startsAt, prefs.timeZone, prefs),
			amount: amount(payment.feeMinor, payment.currency)
		})),
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
