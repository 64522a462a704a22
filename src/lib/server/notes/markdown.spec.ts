import { describe, expect, it } from 'vitest';
import { noteText, renderNote } from './markdown';

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
		expect(html).toContain('<input type="checkbox" disabled />');
		expect(html).not.toMatch(/style|position/i);
	});

	it('drops <style> elements and their rules', () => {
		const html = renderNote(`<style>body { display: none }</style>\n\nText`);
		expect(html).toContain('Text');
		expect(html).not.toMatch(/style|display/i);
	});

	it('keeps an input only as a disabled checkbox: no field, button or form can pose as ours', () => {
		for (const input of [
			'<input type="password">',
			'<input>',
			'<input type="submit" value="Pay">'
		]) {
			expect(renderNote(input)).toBe('<input type="checkbox" disabled />');
		}
	});

	it('shows tables too large to be a note’s as their lines, and a long real table as a table', () => {
		// 100 columns over one-character lines: 2,000 characters that markdown-it would fill in
		// with 25,000 empty cells, short of the most HTML a text may make.
		const table = `${'|a'.repeat(100)}|\n${'|-'.repeat(100)}|\n${'x\n'.repeat(250)}`;
		const html = renderNote(table);
		expect(html).not.toContain('<table>');
		expect(html.match(/\bx\b/g)).toHaveLength(250);
		const real = `| Date | Mood |\n| --- | --- |\n${'| 1 May | calm |\n'.repeat(1200)}`;
		expect(renderNote(real).match(/<td>calm<\/td>/g)).toHaveLength(1200);
	});

	it('shows a text that would make megabytes of HTML as it was written', () => {
		// One reference with a long address, used 3,300 times: 16 MB of links.
		const text = `[a]: https://x.example/${'x'.repeat(10_000)}\n\n${'[a]'.repeat(3300)}\n<b>`;
		expect(renderNote(text)).toBe(
			`<p>[a]: https://x.example/${'x'.repeat(10_000)}</p>\n<p>${'[a]'.repeat(3300)}<br />\n&lt;b&gt;</p>`
		);
	});
});

describe('renderNote reads GitHub’s flavour', () => {
	it('makes tables, struck text, line breaks and checkboxes of a task list', () => {
		const html = renderNote(
			'| Goal | Done |\n| --- | --- |\n| Sleep | ~~no~~ yes |\n\nFirst line\nsecond line\n\n' +
				'- [ ] call back\n- [x] send the plan'
		);
		expect(html).toContain('<th>Goal</th>');
		expect(html).toContain('<td><s>no</s> yes</td>');
		expect(html).toContain('<p>First line<br />\nsecond line</p>');
		expect(html).toContain('<li><input type="checkbox" disabled /> call back</li>');
		expect(html).toContain('<li><input type="checkbox" disabled checked /> send the plan</li>');
	});

	it('links a bare web address or one starting www., without the sentence’s punctuation', () => {
		const html = renderNote('Join at www.zoom.us/j/123?pwd=x, or (https://meet.example.org/a).');
		const link = (href: string, text = href) =>
			`<a href="${href}" rel="noopener noreferrer nofollow" target="_blank">${text}</a>`;
		expect(html).toBe(
			`<p>Join at ${link('https://www.zoom.us/j/123?pwd=x', 'www.zoom.us/j/123?pwd=x')}, ` +
				`or (${link('https://meet.example.org/a')}).</p>\n`
		);
		// A bracket the address opens is its own; one the sentence opened is not.
		expect(renderNote('(www.example.org/a_(b)).')).toBe(
			`<p>(${link('https://www.example.org/a_(b)', 'www.example.org/a_(b)')}).</p>\n`
		);
		expect(renderNote('www.example.com:8080/x')).toContain('href="https://www.example.com:8080/x"');
		// A file's name is no address: notes.md is a domain of Moldova's, but not a link here.
		expect(renderNote('See notes.md and plan.txt')).toBe('<p>See notes.md and plan.txt</p>\n');
	});

	it('shows quotes nested as deep as a note can hold rather than failing', () => {
		const deepest = '>'.repeat(20_000);
		expect(renderNote(deepest)).toContain('<blockquote>');
		expect(() => noteText(deepest)).not.toThrow();
		expect(noteText(`${'>'.repeat(50)} deep words`)).toBe('deep words');
	});
});

describe('noteText', () => {
	it('keeps the words of each paragraph, heading, list item and code block, one a line', () => {
		const note =
			'## Subjective\nSlept **better**, see [the plan](https://example.org).\n\n' +
			'- [x] breathing\n- walks ![a *weekly* chart](https://example.org/c.png)\n\n' +
			'```\nkeep going\n```\n\n| a | b |\n| - | - |\n| 1 | 2 |\n\n<div>raw</div>\n\nA & B';
		expect(noteText(note)).toBe(
			'Subjective\nSlept better, see the plan.\nbreathing\nwalks a weekly chart\nkeep going\nA & B'
		);
	});
});
