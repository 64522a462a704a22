import { describe, expect, it } from 'vitest';
import { safeRedirectTarget } from './redirects';

describe('safeRedirectTarget', () => {
	it('keeps same-site paths', () => {
		expect(safeRedirectTarget('/settings?tab=security')).toBe('/settings?tab=security');
		expect(safeRedirectTarget('/clients/1#notes')).toBe('/clients/1#notes');
	});

	it('falls back for anything that could leave the site', () => {
		for (const target of [
			null,
			'',
			'https://evil.example',
			'//evil.example',
			'/\\evil.example',
			'\\/evil.example',
			'settings',
			'javascript:alert(1)',
			'/\t/evil.test',
			'/\n/evil.test',
			'/\r\n/evil.test',
			'/\t\\evil.test',
			'\t//evil.test',
			'//[',
			'/.//evil.test',
			'/..//evil.test',
			'/a/..//evil.test',
			'/%2e//evil.test',
			'/.\\/evil.test'
		]) {
			expect(safeRedirectTarget(target), JSON.stringify(target)).toBe('/dashboard');
		}
	});

	it('gives only a path a Location header can carry: no control characters, whatever came in', () => {
		for (const target of [
			'/a\r\nSet-Cookie: x=1',
			'/\u0000/evil.test',
			'/a?b=\u0000\r\n#c\u0001',
			'/ä b'
		]) {
			const kept = safeRedirectTarget(target);
			expect(kept, JSON.stringify(target)).toMatch(/^\/[\x21-\x7e]*$/);
			expect(kept).not.toMatch(/^\/\//);
		}
		expect(safeRedirectTarget('/a\r\nSet-Cookie: x=1')).toBe('/aSet-Cookie:%20x=1');
	});
});
