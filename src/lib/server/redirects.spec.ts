import { describe, expect, it } from 'vitest';
import { safeRedirectTarget } from './redirects';

describe('safeRedirectTarget', () => {
	it('keeps same-site paths', () => {
		expect(safeRedirectTarget('/settings?tab=security')).toBe('/settings?tab=security');
	});

	it('falls back for anything that could leave the site', () => {
		for (const target of [
			null,
			'',
			'https://evil.example',
			'//evil.example',
			'/\\evil.example',
			'settings',
			'/\r\nSet-Cookie: x=1',
			'/a\u0000b'
		]) {
			expect(safeRedirectTarget(target)).toBe('/dashboard');
		}
	});
});
