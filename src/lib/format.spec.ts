import { describe, expect, it } from 'vitest';
import { describeDevice, formatDateTime } from './format';

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

describe('formatDateTime', () => {
	it('shows the time in the given zone', () => {
		const instant = new Date('2026-03-29T16:30:00Z');
		expect(formatDateTime(instant, 'Europe/Berlin')).toContain('6:30');
		expect(formatDateTime(instant, 'America/New_York')).toContain('12:30');
	});
});
