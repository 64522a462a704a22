import { describe, expect, it } from 'vitest';
import { scheduleLine, zoneLabel } from './schedule-line';

const gb = { locale: 'en-GB', clock: 'locale' } as const;
const now = new Date('2026-12-01T12:00:00Z');

/** Dates `days` apart from an instant, `minutes` long. */
function weekly(first: string, count: number, days = 7, minutes = 60) {
	return Array.from({ length: count }, (_, i) => {
		const startsAt = new Date(Date.parse(first) + i * days * 86_400_000);
		return { startsAt, endsAt: new Date(startsAt.getTime() + minutes * 60_000) };
	});
}

describe('scheduleLine', () => {
	it('names the weekday, the hours, the first date and the zone', () => {
		// 18:30 in Amsterdam in winter is 17:30 UTC; 9 December 2026 is a Wednesday.
		expect(scheduleLine(weekly('2026-12-09T17:30:00Z', 8), 'Europe/Amsterdam', gb, now)).toBe(
			'Wednesdays 18:30–19:30 from 9 December, Amsterdam time'
		);
	});

	it('lists two weekdays, writes 12-hour clocks and the year when it is not this one', () => {
		const mondays = weekly('2027-01-04T23:00:00Z', 4);
		const thursdays = weekly('2027-01-07T23:00:00Z', 4);
		const dates = [...mondays, ...thursdays].sort((a, b) => +a.startsAt - +b.startsAt);
		expect(scheduleLine(dates, 'America/New_York', { locale: 'en-US', clock: '12' }, now)).toMatch(
			/^Mondays and Thursdays 6:00\s?–\s?7:00\s?PM from January 4, 2027, New York time$/
		);
	});

	it('counts the dates when one keeps other hours', () => {
		const dates = weekly('2026-12-09T17:30:00Z', 3);
		dates[1] = {
			startsAt: new Date('2026-12-16T18:30:00Z'),
			endsAt: new Date('2026-12-16T19:30:00Z')
		};
		expect(scheduleLine(dates, 'Europe/Amsterdam', gb, now)).toBe(
			'3 dates from 9 December, Amsterdam time'
		);
	});

	it('writes a single date whole, and says when there is none', () => {
		expect(scheduleLine(weekly('2026-12-09T17:30:00Z', 1), 'UTC', gb, now)).toBe(
			'Wednesday 9 December, 17:30–18:30, UTC'
		);
		expect(scheduleLine([], 'UTC', gb, now)).toBe('No dates are planned right now.');
	});
});

describe('zoneLabel', () => {
	it('names the city, or the zone itself when it has none', () => {
		expect(zoneLabel('America/Argentina/Buenos_Aires')).toBe('Buenos Aires time');
		expect(zoneLabel('UTC')).toBe('UTC');
	});
});
