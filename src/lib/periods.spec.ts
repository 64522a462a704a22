import { describe, expect, it } from 'vitest';
import { daysIn, monthPeriod, quarterOf, quarterPeriod, yearPeriod } from './periods';

describe('billing periods', () => {
	it('a month runs from its first to its last day, February of a leap year included', () => {
		expect(monthPeriod('2028-02')).toEqual({ from: '2028-02-01', to: '2028-02-29' });
		expect(monthPeriod('2026-02')).toEqual({ from: '2026-02-01', to: '2026-02-28' });
		expect(monthPeriod('2026-12')).toEqual({ from: '2026-12-01', to: '2026-12-31' });
	});

	it('a quarter is three months', () => {
		expect(quarterPeriod('2026-Q1')).toEqual({ from: '2026-01-01', to: '2026-03-31' });
		expect(quarterPeriod('2026-Q4')).toEqual({ from: '2026-10-01', to: '2026-12-31' });
		expect(quarterOf('2026-05-14')).toBe('2026-Q2');
		expect(quarterOf('2026-12-31')).toBe('2026-Q4');
	});

	it('a year runs from 1 January to 31 December, and days are counted with both ends', () => {
		expect(yearPeriod(2026)).toEqual({ from: '2026-01-01', to: '2026-12-31' });
		expect(daysIn(yearPeriod(2028))).toBe(366);
		expect(daysIn({ from: '2026-03-29', to: '2026-03-29' })).toBe(1);
	});
});
