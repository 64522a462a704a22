import { z } from 'zod';
import { localDate } from '../../validation';

/**
 * The periods billing is looked at by, in summaries and statements: a month, a quarter, a year, or
 * any range of days. A period is a pair of calendar dates, both included, read in the
 * practitioner's time zone.
 */
export const periodKinds = ['month', 'quarter', 'year', 'custom'] as const;
export type PeriodKind = (typeof periodKinds)[number];
export type Period = { kind: PeriodKind; from: string; to: string };

const DAY_MS = 86_400_000;

/** Days from `from` to `to`, both included. */
export function daysIn({ from, to }: { from: string; to: string }): number {
	return Math.round((Date.parse(to) - Date.parse(from)) / DAY_MS) + 1;
}

/** At most this many days in one summary or statement: ten years and their leap days. */
export const MAX_PERIOD_DAYS = 3653;

/** A range of local days: the end on or after the start, at most ten years. */
export function checkPeriod(range: { from: string; to: string }, ctx: z.RefinementCtx): void {
	if (range.to < range.from) {
		ctx.addIssue({ code: 'custom', path: ['to'], message: 'Choose an end on or after the start.' });
	} else if (daysIn(range) > MAX_PERIOD_DAYS) {
		ctx.addIssue({
			code: 'custom',
			path: ['to'],
			message: 'Choose a period of at most ten years.'
		});
	}
}

export const periodFields = z.object({ from: localDate, to: localDate });
export const periodSchema = periodFields.superRefine(checkPeriod);

const MONTHS_IN = { month: 1, quarter: 3, year: 12 } as const;

const pad = (n: number) => String(n).padStart(2, '0');
/** The first day of the month `offset` months after the one of `date` (YYYY-MM-DD). */
function monthStart(date: string, offset = 0): string {
	const [year, month] = date.split('-').map(Number) as [number, number];
	const index = year * 12 + (month - 1) + offset;
	return `${Math.floor(index / 12)}-${pad((index % 12) + 1)}-01`;
}
function dayBefore(date: string): string {
	return new Date(Date.parse(`${date}T00:00:00Z`) - DAY_MS).toISOString().slice(0, 10);
}

/** The month, quarter or year that holds `date`. */
export function periodHolding(kind: Exclude<PeriodKind, 'custom'>, date: string): Period {
	const month = Number(date.slice(5, 7));
	const first = kind === 'month' ? month : kind === 'quarter' ? month - ((month - 1) % 3) : 1;
	const from = monthStart(date, first - month);
	return { kind, from, to: dayBefore(monthStart(from, MONTHS_IN[kind])) };
}

/** The period as many steps before or after as `steps`; a custom range moves by its length. */
export function shiftPeriod(period: Period, steps: number): Period {
	if (period.kind === 'custom') {
		const days = daysIn(period);
		const move = (date: string) =>
			new Date(Date.parse(`${date}T00:00:00Z`) + steps * days * DAY_MS).toISOString().slice(0, 10);
		return { kind: 'custom', from: move(period.from), to: move(period.to) };
	}
	return periodHolding(period.kind, monthStart(period.from, steps * MONTHS_IN[period.kind]));
}

/** The address query that names a period, so that a view can be linked to. */
export function periodQuery(period: Period): string {
	const query = new URLSearchParams({ period: period.kind, from: period.from });
	if (period.kind === 'custom') query.set('to', period.to);
	return query.toString();
}

const queryShape = z.object({
	period: z.enum(periodKinds).default('month'),
	from: localDate.optional(),
	to: localDate.optional()
});

/**
 * The period an address names (`?period=quarter&from=2026-10-01`: the quarter holding that day;
 * `?period=custom&from=…&to=…`), or this month with a problem to show when it names none.
 */
export function periodFromQuery(
	query: URLSearchParams,
	today: string
): { period: Period; problem: string | null } {
	const fallback = { period: periodHolding('month', today), problem: null };
	if (!query.has('period') && !query.has('from')) return fallback;
	const parsed = queryShape.safeParse({
		period: query.get('period') ?? undefined,
		from: query.get('from') ?? undefined,
		to: query.get('to') ?? undefined
	});
	if (parsed.success) {
		const { period: kind, from = today, to } = parsed.data;
		if (kind !== 'custom') return { period: periodHolding(kind, from), problem: null };
		const range = periodSchema.safeParse({ from, to });
		if (range.success) return { period: { kind, ...range.data }, problem: null };
		const reason = range.error.issues[0]?.message ?? 'Choose a start and an end.';
		return { ...fallback, problem: `That range cannot be shown: ${reason} Showing this month.` };
	}
	return { ...fallback, problem: 'That period cannot be read; showing this month.' };
}

/** The quarter a date ("2026-05-14") falls in: "2026-Q2". */
export function quarterOf(date: string): string {
	return `${date.slice(0, 4)}-Q${Math.floor((Number(date.slice(5, 7)) - 1) / 3) + 1}`;
}

/** The period a form chose, its fields already validated: a month "2026-02", a quarter "2026-Q2", a year "2026". */
export function chosenPeriod(choice: {
	period: PeriodKind;
	month: string;
	quarter: string;
	year: string;
	from: string;
	to: string;
}): Period {
	switch (choice.period) {
		case 'month':
			return periodHolding('month', `${choice.month}-01`);
		case 'quarter': {
			const [year, quarter] = choice.quarter.split('-Q').map(Number) as [number, number];
			return periodHolding('quarter', `${year}-${pad((quarter - 1) * 3 + 1)}-01`);
		}
		case 'year':
			return periodHolding('year', `${choice.year}-01-01`);
		case 'custom':
			return { kind: 'custom', from: choice.from, to: choice.to };
	}
}
