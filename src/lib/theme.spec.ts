import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { THEME_PLACEHOLDER, themeAttribute } from './theme';

describe('themeAttribute', () => {
	it('names a chosen scheme', () => {
		expect(themeAttribute('dark')).toBe(' data-theme="dark"');
		expect(themeAttribute('light')).toBe(' data-theme="light"');
	});

	it('is empty when the device decides: a visitor, or "system"', () => {
		expect(themeAttribute('system')).toBe('');
		expect(themeAttribute(null)).toBe('');
		expect(themeAttribute(undefined)).toBe('');
	});

	it('replaces the placeholder of app.html into valid markup', () => {
		const html = `<html lang="en"${THEME_PLACEHOLDER}>`;
		expect(html.replace(THEME_PLACEHOLDER, themeAttribute('dark'))).toBe(
			'<html lang="en" data-theme="dark">'
		);
		expect(html.replace(THEME_PLACEHOLDER, themeAttribute('system'))).toBe('<html lang="en">');
	});
});

it('app.html carries the placeholder on <html>, for the server to fill in', () => {
	const template = readFileSync(new URL('../app.html', import.meta.url), 'utf8');
	expect(template).toContain(`<html lang="en"${THEME_PLACEHOLDER}>`);
});
