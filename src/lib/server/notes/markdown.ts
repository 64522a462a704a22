import MarkdownIt, { type StateCore, type Token } from 'markdown-it';
import sanitizeHtml from 'sanitize-html';

/**
 * GitHub's flavour, as notes have always been read: tables, ~~strikethrough~~, links from bare
 * addresses, task lists, a line break where the writer made one, and HTML the sanitiser then
 * trims. markdown-it, because its time grows with the text's length (bench/markdown.ts): the
 * parser before it took 4 to 20 seconds on 20,000 characters of '[*a' and overflowed its stack on
 * as many '>', on a public page as much as on a note. Two ways a short text still makes a lot of
 * HTML are bounded below: tables and references.
 */
function notesParser() {
	const parser = new MarkdownIt({ html: true, linkify: true, breaks: true });
	// Only addresses with a scheme, or the www. below: a file's name like notes.md is no link.
	parser.linkify.set({ fuzzyLink: false });
	parser.linkify.add('www.', { validate: wwwAddressLength, normalize: withHttps });
	parser.core.ruler.after('inline', 'task_lists', checkboxesOfTaskLists);
	return parser;
}

/** www.example.com is a link, as on GitHub. */
const WWW_HOST = /[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+(?::\d{1,5})?(?:[/?#][^\s<>]*)?/uy;
function wwwAddressLength(text: string, pos: number): number {
	WWW_HOST.lastIndex = pos;
	const address = WWW_HOST.exec(text)?.[0] ?? '';
	// A sentence's own punctuation after the address is not part of it, nor an unopened ')'.
	let unopened = address.split(')').length - address.split('(').length;
	let end = address.length;
	for (; end > 0; end--) {
		const last = address[end - 1]!;
		if (last === ')' && unopened > 0) unopened--;
		else if (!'.,:;!?"\'*_~'.includes(last)) break;
	}
	return end;
}
function withHttps(match: { url: string }) {
	match.url = `https://${match.url}`;
}

/** "- [ ] call back" and "- [x] sent": a list item starting so shows a checkbox, ticked or not. */
function checkboxesOfTaskLists(state: StateCore) {
	const tokens = state.tokens;
	tokens.forEach((token, i) => {
		// A list item's first paragraph: list_item_open, paragraph_open, then its inline content.
		if (token.type !== 'inline' || tokens[i - 1]?.type !== 'paragraph_open') return;
		if (tokens[i - 2]?.type !== 'list_item_open') return;
		const first = token.children?.[0];
		const box = first?.type === 'text' ? /^\[([ xX])\][ \t]/.exec(first.content) : null;
		if (!first || !box) return;
		first.content = first.content.slice(box[0].length);
		const input = new state.Token('html_inline', '', 0);
		input.content = `<input type="checkbox"${box[1] === ' ' ? '' : ' checked'}> `;
		token.children!.unshift(input);
	});
}

const notes = notesParser();
/** For a text whose tables would be too large: their lines are read as paragraphs. */
const notesWithoutTables = notesParser().disable('table');

/**
 * markdown-it fills a table's short rows with empty cells, up to 65,536 of them a table, so a wide
 * header over many one-character lines is a few characters for hundreds of thousands of cells
 * (13 such tables in 20,000 characters took 15 seconds). Counted before reading, from each
 * delimiter row's columns times the lines that follow it up to a blank one. A table as long as
 * the longest note, one character a cell, has about 10,000; twice that leaves room.
 */
const MOST_TABLE_CELLS = 20_000;
const DELIMITER_ROW = /^\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$/;
function tableCells(markdown: string): number {
	let cells = 0;
	let columns = 0;
	for (const line of markdown.split('\n')) {
		// A table in a quote: its lines start with '>'.
		const row = line.replace(/^[\s>]*/, '');
		if (!row) columns = 0;
		else if (DELIMITER_ROW.test(row)) columns = row.split('|').length;
		cells += columns;
	}
	return cells;
}
const parserFor = (markdown: string) =>
	tableCells(markdown) > MOST_TABLE_CELLS ? notesWithoutTables : notes;

/**
 * The most HTML one text may become, far above what 20,000 characters of notes honestly make
 * (about 150 kB when each is part of a link): a reference defined once with a long address and
 * used thousands of times makes megabytes. Past it the text is shown as it was written.
 */
const MOST_HTML = 512 * 1024;

/** Markdown the practitioner wrote, as HTML that can carry no script, style or event handler. */
export function renderNote(markdown: string): string {
	const html = parserFor(markdown).render(markdown);
	if (html.length > MOST_HTML) return asWritten(markdown);
	return sanitizeHtml(html, {
		allowedTags: [
			'p',
			'br',
			'strong',
			'em',
			'del',
			's',
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
			'hr',
			'a',
			'table',
			'thead',
			'tbody',
			'tr',
			'th',
			'td',
			'input'
		],
		allowedAttributes: { a: ['href', 'rel', 'target'], input: ['type', 'checked', 'disabled'] },
		allowedSchemes: ['http', 'https', 'mailto'],
		transformTags: {
			a: sanitizeHtml.simpleTransform('a', {
				rel: 'noopener noreferrer nofollow',
				target: '_blank'
			}),
			// Only a task list's box: any other input (a password field, a button) could pose as a form.
			input: (tagName, attribs) => ({
				tagName,
				attribs: { type: 'checkbox', disabled: '', ...('checked' in attribs && { checked: '' }) }
			})
		}
	});
}

/** The text itself, escaped, its paragraphs and line breaks kept. */
function asWritten(markdown: string): string {
	return markdown
		.split(/\n\s*\n/)
		.map((paragraph) => `<p>${notes.utils.escapeHtml(paragraph).replaceAll('\n', '<br />\n')}</p>`)
		.join('\n');
}

/** Inline markdown's words: emphasis, links and code lose their marks; inline HTML is dropped. */
function inlineText(tokens: Token[]): string {
	return tokens
		.map((token) => {
			if (token.type === 'softbreak' || token.type === 'hardbreak') return '\n';
			// An image's words are its alternative text, which may hold marks of its own.
			if (token.type === 'image') return inlineText(token.children ?? []);
			return token.type === 'text' || token.type === 'code_inline' ? token.content : '';
		})
		.join('');
}

/**
 * A note as plain text, one line per paragraph, heading or list item: for excerpts, where the
 * markdown's own marks (## , **, - ) would otherwise show. Escaped on display like any text.
 */
export function noteText(markdown: string): string {
	const lines: string[] = [];
	let inTable = false;
	for (const token of parserFor(markdown).parse(markdown, {})) {
		if (token.type === 'table_open' || token.type === 'table_close') {
			inTable = token.type === 'table_open';
		} else if (inTable) {
			continue;
		} else if (token.type === 'inline') {
			lines.push(inlineText(token.children ?? []));
		} else if (token.type === 'fence' || token.type === 'code_block') {
			lines.push(token.content.replace(/\n$/, ''));
		}
	}
	return lines.filter((line) => line.trim()).join('\n');
}

export { NOTE_TEMPLATES } from '../../note-templates';
