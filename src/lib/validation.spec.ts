import { describe, expect, it } from 'vitest';
import {
	count,
	email,
	httpsHost,
	isHttpsLink,
	isZoomHost,
	localDate,
	text,
	timeZone
} from './validation';

const refusal = (result: { success: boolean; error?: { issues: { message: string }[] } }) =>
	result.success ? null : result.error!.issues.map((issue) => issue.message);

describe('text', () => {
	it('refuses a NUL byte and a lone surrogate, which PostgreSQL cannot store', () => {
		for (const value of ['x\u0000y', 'x\uD800y', 'x\uDC00', '\uDBFF']) {
			expect(refusal(text(100).safeParse(value))).toEqual([
				'This contains a character that cannot be stored; please remove it.'
			]);
		}
	});

	it('keeps emoji and other characters beyond the basic plane', () => {
		expect(text(100).parse(' Zoë 😀 𝄞 ')).toBe('Zoë 😀 𝄞');
	});

	it('counts the length after trimming, and keeps spaces when told to', () => {
		expect(text(3).safeParse('  abc  ').success).toBe(true);
		expect(refusal(text(3).safeParse('abcd'))).toEqual(['Use at most 3 characters.']);
		expect(refusal(text(20_000).safeParse('x'.repeat(20_001)))).toEqual([
			'Use at most 20,000 characters.'
		]);
		expect(text(10, { trim: false }).parse('  a ')).toBe('  a ');
	});
});

describe('email', () => {
	it('is lower-case and refuses a NUL inside', () => {
		expect(email.parse(' Ana@Example.COM ')).toBe('ana@example.com');
		expect(email.safeParse('ana\u0000@example.com').success).toBe(false);
	});
});

describe('localDate', () => {
	it('takes real dates within the years we keep', () => {
		for (const value of ['2024-02-29', '1900-01-01', '2199-12-31']) {
			expect(localDate.safeParse(value).success).toBe(true);
		}
	});

	it('refuses dates the calendar does not have', () => {
		for (const value of ['2024-02-30', '2023-02-29', '2024-13-01', '2024-00-10', '2024-04-31']) {
			expect(refusal(localDate.safeParse(value))).toContain(
				'Choose a date that exists in the calendar.'
			);
		}
	});

	it('refuses year 0000, far years and other shapes', () => {
		expect(refusal(localDate.safeParse('0000-01-01'))).toContain(
			'Choose a date between 1900 and 2199.'
		);
		expect(refusal(localDate.safeParse('9999-12-31'))).toContain(
			'Choose a date between 1900 and 2199.'
		);
		for (const value of ['2024-1-01', '+02024-01-01', '2024-01-01T00:00', '']) {
			expect(refusal(localDate.safeParse(value))).toContain('Choose a date.');
		}
	});
});

describe('timeZone', () => {
	it('takes the zones PostgreSQL and browsers both know, aliases included', () => {
		for (const value of ['Europe/Berlin', 'UTC', 'Asia/Calcutta', 'US/Pacific', 'Etc/GMT+5']) {
			expect(timeZone.safeParse(value).success).toBe(true);
		}
	});

	it('refuses a zone Node knows and PostgreSQL dropped, and made-up ones', () => {
		for (const value of [
			'US/Pacific-New',
			'Mars/Olympus',
			'europe/berlin',
			'Europe/Berlin\u0000'
		]) {
			expect(refusal(timeZone.safeParse(value))).toEqual(['Choose a valid time zone.']);
		}
	});
});

describe('count', () => {
	it('reads a form’s text and refuses what is not a whole number within bounds', () => {
		expect(count(1, 10).parse('7')).toBe(7);
		for (const value of ['1e400', 'NaN', '2.5', '11', '0', 'x', {}]) {
			expect(count(1, 10).safeParse(value).success).toBe(false);
		}
	});
});

describe('https links and Zoom hosts', () => {
	it('takes only https addresses without spaces, and reads the host from the parsed address', () => {
		expect(isHttpsLink('https://zoom.us/j/1')).toBe(true);
		expect(isHttpsLink('http://zoom.us/j/1')).toBe(false);
		expect(isHttpsLink('https://zoom.us/j/1 x')).toBe(false);
		expect(httpsHost('https://US02web.Zoom.us/j/1?pwd=x')).toBe('us02web.zoom.us');
		expect(httpsHost('https://zoom.us@evil.example/j/1')).toBe('evil.example');
		expect(httpsHost('javascript:alert(1)')).toBeNull();
	});

	it('counts zoom.us and its subdomains as Zoom, and no look-alike', () => {
		expect(isZoomHost('zoom.us')).toBe(true);
		expect(isZoomHost('us02web.zoom.us')).toBe(true);
		expect(isZoomHost('notzoom.us')).toBe(false);
		expect(isZoomHost('zoom.us.evil.example')).toBe(false);
	});
});
