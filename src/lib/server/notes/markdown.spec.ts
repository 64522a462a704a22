import { describe, expect, it } from 'vitest';
import { renderNote } from './markdown';

/** Every tag the sanitiser keeps, each written with a style that would cover the whole page. */
const keptTags = [
	'p',
	'strong',
	'em',
	'del',
	'ul',
	'ol',
	'li',
	'blockquote',
	'code',
	'pre',
	'h1',
	'h2',
	'h3',
	'h4',
	'table',
	'thead',
	'tbody',
	'tr',
	'th',
	'td'
];
const overlay = 'position:fixed;inset:0;z-index:9999;background:#fff';

describe('renderNote', () => {
	it.each(keptTags)('keeps <%s> but drops its style attribute', (tag) => {
		const html = renderNote(`<${tag} style="${overlay}">Pay here</${tag}>`);
		expect(html).toContain(`<${tag}>`);
		expect(html).toContain('Pay here');
		expect(html).not.toMatch(/style|position/i);
	});

	it('drops a style attribute on a link, a line break, a rule and a checkbox too', () => {
		const html = renderNote(
			`<a href="https://example.com" style="${overlay}">link</a><br style="${overlay}">` +
				`<hr style="${overlay}"><input type="checkbox" style="${overlay}">`
		);
		expect(html).toContain('href="https://example.com"');
		expect(html).toContain('<input type="checkbox" />');
		expect(html).not.toMatch(/style|position/i);
	});

	it('drops <style> elements and their rules', () => {
		const html = renderNote(`<style>body { display: none }</style>\n\nText`);
		expect(html).toContain('Text');
		expect(html).not.toMatch(/style|display/i);
	});
});
