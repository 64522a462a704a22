/**
 * The periods billing is looked at by: a month, a quarter, a year, or any range of days. A period
 * is a pair of calendar dates, both included, read in the practitioner's time zone.
 */
export const PERIOD_KINDS = ['month', 'quarter', 'year', 'custom'] as const;
export type PeriodKind = (typeof PERIOD_KINDS)[number];
export type Period = { from: string; to: string };

const pad = (n: number) => String(n).padStart(2, '0');

/** The last day of a month (1–12), which JavaScript's Date knows from day 0 of the next one. */
function lastDay(year: number, month: number): string {
	const day = new Date(Date.UTC(year, month, 0)).getUTCDate();
	return `${year}-${pad(month)}-${pad(day)}`;
}

/** "2026-02" → 1–28 February 2026. */
export function monthPeriod(month: string): Period {
	const [year, m] = month.split('-').map(Number) as [number, number];
	return { from: `${month}-01`, to: lastDay(year, m) };
}

/** "2026-Q2" → 1 April – 30 June 2026. */
export function quarterPeriod(quarter: string): Period {
	const [year, q] = quarter.split('-Q').map(Number) as [number, number];
	const first = (q - 1) * 3 + 1;
	return { from: `${year}-${pad(first)}-01`, to: lastDay(year, first + 2) };
}

export function yearPeriod(year: number): Period {
	return { from: `${year}-01-01`, to: `${year}-12-31` };
}

/** The quarter a date ("2026-05-14") falls in: "2026-Q2". */
export function quarterOf(date: string): string {
	return `${date.slice(0, 4)}-Q${Math.floor((Number(date.slice(5, 7)) - 1) / 3) + 1}`;
}

/** Days from `from` to `to`, both included. */
export function daysIn({ from, to }: Period): number {
	return (Date.parse(to) - Date.parse(from)) / 86_400_000 + 1;
}

/** The dates of a period as the statement form chose it (its fields already validated). */
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
			return monthPeriod(choice.month);
		case 'quarter':
			return quarterPeriod(choice.quarter);
		case 'year':
			return yearPeriod(Number(choice.year));
		case 'custom':
			return { from: choice.from, to: choice.to };
	}
}
