import { describe, expect, it } from 'vitest';
import {
	chosenPeriod,
	daysIn,
	periodFromQuery,
	periodHolding,
	periodQuery,
	quarterOf,
	shiftPeriod
} from './periods';

const read = (query: string) => periodFromQuery(new URLSearchParams(query), '2026-12-07');

describe('billing periods', () => {
	it('a month, quarter or year is the one that holds the day given', () => {
		expect(periodHolding('month', '2024-02-10')).toEqual({
			kind: 'month',
			from: '2024-02-01',
			to: '2024-02-29'
		});
		expect(periodHolding('quarter', '2026-11-30')).toMatchObject({
			from: '2026-10-01',
			to: '2026-12-31'
		});
		expect(periodHolding('year', '2026-06-15')).toMatchObject({
			from: '2026-01-01',
			to: '2026-12-31'
		});
	});

	it('moves by whole periods across years, and a custom range by its own length', () => {
		const december = periodHolding('month', '2026-12-01');
		expect(shiftPeriod(december, 1)).toMatchObject({ from: '2027-01-01', to: '2027-01-31' });
		expect(shiftPeriod(periodHolding('quarter', '2026-02-01'), -1)).toMatchObject({
			from: '2025-10-01',
			to: '2025-12-31'
		});
		expect(shiftPeriod({ kind: 'custom', from: '2026-03-01', to: '2026-03-10' }, 1)).toMatchObject({
			from: '2026-03-11',
			to: '2026-03-20'
		});
	});

	it('reads what it writes, and falls back to this month, saying so, for what it cannot read', () => {
		const custom = { kind: 'custom' as const, from: '2026-01-05', to: '2026-02-20' };
		expect(read(periodQuery(custom))).toEqual({ period: custom, problem: null });
		expect(read('')).toEqual({ period: periodHolding('month', '2026-12-07'), problem: null });
		expect(read('period=quarter&from=2026-05-05').period).toMatchObject({ from: '2026-04-01' });
		for (const bad of [
			'period=week',
			'period=month&from=2026-02-30',
			'period=custom&from=2026-03-01&to=2026-02-01',
			'period=custom&from=2000-01-01&to=2026-02-01'
		]) {
			const { period, problem } = read(bad);
			expect(period, bad).toEqual(periodHolding('month', '2026-12-07'));
			expect(problem, bad).toMatch(/showing this month/i);
		}
	});

	it('a form’s month, quarter or year runs from its first to its last day, both counted', () => {
		const choice = { month: '2028-02', quarter: '2026-Q4', year: '2028', from: '', to: '' };
		expect(chosenPeriod({ ...choice, period: 'month' })).toMatchObject({
			from: '2028-02-01',
			to: '2028-02-29'
		});
		expect(chosenPeriod({ ...choice, period: 'quarter' })).toMatchObject({
			from: '2026-10-01',
			to: '2026-12-31'
		});
		expect(daysIn(chosenPeriod({ ...choice, period: 'year' }))).toBe(366);
		expect(daysIn({ from: '2026-03-29', to: '2026-03-29' })).toBe(1);
		expect(quarterOf('2026-05-14')).toBe('2026-Q2');
		expect(quarterOf('2026-12-31')).toBe('2026-Q4');
	});
});
