import { describe, expect, it } from 'vitest';
import {
	describeDevice,
	formatCalendarDate,
	formatDateTime,
	formatMonth,
	formatMonthName,
	formatTime,
	formatTimeRange,
	type DatePrefs
} from './format';

describe('describeDevice', () => {
	it('names common browsers and systems', () => {
		const chromeMac =
			'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';
		const safariIpad =
			'Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';
		const firefoxWindows =
			'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';
		expect(describeDevice(chromeMac)).toBe('Chrome on macOS');
		expect(describeDevice(safariIpad)).toBe('Safari on iPad');
		expect(describeDevice(firefoxWindows)).toBe('Firefox on Windows');
		expect(describeDevice(null)).toBe('Unknown device');
	});
});

describe('dates and times', () => {
	// Intl separates "9:05" and "AM" with a narrow no-break space in some ICU versions.
	const plain = (text: string) => text.replace(/[\u202f\u2009\u00a0]/g, ' ');
	const prefs = (
		locale: string,
		clock: DatePrefs['clock'],
		timeZone: string | null = 'Europe/Berlin'
	): DatePrefs => ({ locale, clock, timeZone });
	const evening = new Date('2026-03-03T17:05:00Z');

	it('follow the 12- or 24-hour choice, whatever the locale', () => {
		expect(formatTime(evening, 'Europe/Berlin', prefs('en-GB', '24'))).toBe('18:05');
		expect(plain(formatTime(evening, 'Europe/Berlin', prefs('en-GB', '12')))).toBe('6:05 pm');
		expect(plain(formatTime(evening, 'Europe/Berlin', prefs('en-US', '12')))).toBe('6:05 PM');
		expect(formatTime(evening, 'Europe/Berlin', prefs('en-US', '24'))).toBe('18:05');
		expect(
			formatTime(new Date('2026-03-03T08:05:00Z'), 'Europe/Berlin', prefs('en-US', '24'))
		).toBe('09:05');
	});

	it("use the locale's own clock when none is chosen", () => {
		expect(plain(formatTime(evening, 'Europe/Berlin', prefs('en-US', 'locale')))).toBe('6:05 PM');
		expect(formatTime(evening, 'Europe/Berlin', prefs('en-GB', 'locale'))).toBe('18:05');
		expect(formatTime(evening, 'Europe/Berlin', prefs('de-DE', 'locale'))).toBe('18:05');
	});

	it("write the day in the locale's words and order", () => {
		expect(formatDateTime(evening, 'Europe/Berlin', prefs('en-GB', '24'))).toBe(
			'Tue, 3 Mar 2026, 18:05'
		);
		expect(plain(formatDateTime(evening, 'Europe/Berlin', prefs('en-US', 'locale')))).toBe(
			'Tue, Mar 3, 2026, 6:05 PM'
		);
		expect(formatDateTime(evening, 'Europe/Berlin', prefs('de-DE', 'locale'))).toBe(
			'Di., 3. März 2026, 18:05'
		);
		expect(formatCalendarDate('2026-03-03', prefs('fr-FR', 'locale'))).toBe('mardi 3 mars 2026');
	});

	it("name the zone only when the reader's clock reads differently", () => {
		const berliner = prefs('en-GB', '24', 'Europe/Berlin');
		expect(formatDateTime(evening, 'Europe/Berlin', berliner)).not.toContain('(');
		// Paris keeps Berlin's offset all year: the time shown is the reader's own.
		expect(formatDateTime(evening, 'Europe/Paris', berliner)).not.toContain('(');
		expect(formatDateTime(evening, 'America/New_York', berliner)).toBe(
			'Tue, 3 Mar 2026, 12:05 (America/New_York)'
		);
		expect(
			plain(formatTimeRange(evening, new Date('2026-03-03T17:55:00Z'), 'Asia/Tokyo', berliner))
		).toBe('Wed, 4 Mar 2026, 02:05–02:55 (Asia/Tokyo)');
	});

	it('always name the zone when the reader is unknown, as in an email', () => {
		expect(formatDateTime(evening, 'Europe/Berlin', prefs('en-GB', '24', null), 'long')).toBe(
			'Tuesday, 3 March 2026 at 18:05 (Europe/Berlin)'
		);
	});

	it('follow a daylight-saving change, in the time and in whether the zone is named', () => {
		const berlin = prefs('en-GB', '24', 'Europe/Berlin');
		// Europe/Berlin springs forward at 01:00 UTC on 29 March 2026: 01:59 is followed by 03:00.
		expect(formatTime(new Date('2026-03-29T00:59:00Z'), 'Europe/Berlin', berlin)).toBe('01:59');
		expect(formatTime(new Date('2026-03-29T01:00:00Z'), 'Europe/Berlin', berlin)).toBe('03:00');
		const phoenix = prefs('en-US', '24', 'America/Phoenix');
		// Phoenix keeps UTC-7 all year; Denver is UTC-7 in winter and UTC-6 in summer.
		expect(formatDateTime(new Date('2026-01-15T17:00:00Z'), 'America/Denver', phoenix)).toBe(
			'Thu, Jan 15, 2026, 10:00'
		);
		expect(formatDateTime(new Date('2026-07-15T17:00:00Z'), 'America/Denver', phoenix)).toBe(
			'Wed, Jul 15, 2026, 11:00 (America/Denver)'
		);
	});
});

describe('months', () => {
	it('are written in the reader’s locale, whole or by name alone for a chart’s axis', () => {
		const german: DatePrefs = { locale: 'de-DE', clock: 'locale', timeZone: 'UTC' };
		const british: DatePrefs = { locale: 'en-GB', clock: 'locale', timeZone: 'Pacific/Auckland' };
		expect(formatMonth('2026-03', british)).toBe('March 2026');
		expect(formatMonth('2026-03', german)).toBe('März 2026');
		// The first of the month at midnight would be the last day of the month before in a zone
		// behind UTC: a month is a calendar month, whatever the reader's zone.
		expect(formatMonthName('2026-01', { ...british, timeZone: 'America/Los_Angeles' })).toBe('Jan');
	});
});
