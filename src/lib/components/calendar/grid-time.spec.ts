import { describe, expect, it } from 'vitest';
import { lanes, localPlace, stepPeriod, viewSpan } from './grid-time';

describe('calendar spans', () => {
	it('a week runs Monday to Sunday, a month covers whole weeks around it', () => {
		expect(viewSpan('week', '2026-12-10')).toEqual({ from: '2026-12-07', days: 7 });
		expect(viewSpan('day', '2026-12-10')).toEqual({ from: '2026-12-10', days: 1 });
		// December 2026: Tuesday 1st to Thursday 31st, so Monday 30 November for five weeks.
		expect(viewSpan('month', '2026-12-10')).toEqual({ from: '2026-11-30', days: 35 });
		// March 2027 starts on a Monday and ends on a Wednesday: five weeks; August 2027 needs six.
		expect(viewSpan('month', '2027-03-31')).toEqual({ from: '2027-03-01', days: 35 });
		expect(viewSpan('month', '2027-08-15').days).toBe(42);
	});

	it('steps by a day, a week from its Monday, or to the first of a month', () => {
		expect(stepPeriod('day', '2026-12-31', 1)).toBe('2027-01-01');
		expect(stepPeriod('week', '2026-12-10', -1)).toBe('2026-11-30');
		expect(stepPeriod('month', '2026-01-31', 1)).toBe('2026-02-01');
		expect(stepPeriod('month', '2026-01-31', -1)).toBe('2025-12-01');
	});
});

describe('placing an instant', () => {
	it('reads the local date and wall-clock minutes in the zone, across a DST change', () => {
		expect(localPlace(new Date('2026-03-29T00:30:00Z'), 'Europe/Berlin')).toEqual({
			date: '2026-03-29',
			minutes: 90
		});
		expect(localPlace(new Date('2026-03-29T08:00:00Z'), 'Europe/Berlin')).toEqual({
			date: '2026-03-29',
			minutes: 600
		});
		expect(localPlace(new Date('2026-12-07T23:30:00Z'), 'America/New_York').date).toBe(
			'2026-12-07'
		);
	});
});

describe('lanes', () => {
	it('puts overlapping items side by side and leaves others full width', () => {
		const placed = lanes([
			{ key: 'a', start: 600, end: 660 },
			{ key: 'b', start: 630, end: 700 },
			{ key: 'c', start: 720, end: 780 }
		]);
		const byKey = Object.fromEntries(placed.map((p) => [p.key, [p.lane, p.lanes]]));
		expect(byKey).toEqual({ a: [0, 2], b: [1, 2], c: [0, 1] });
	});
});
