import MarkdownIt, { type Token } from 'markdown-it';
import sanitizeHtml from 'sanitize-html';

/**
 * GitHub's flavour, as notes have always been read: tables, ~~strikethrough~~, links from bare
 * addresses, task lists, a line break where the writer made one, and HTML the sanitiser then
 * trims. markdown-it, because its time grows with the text's length alone: the parser before it
 * took 15 seconds on 20,000 characters of '[*a' and overflowed its stack on as many '>', on a
 * public page as much as on a note.
 */
const notes = new MarkdownIt({ html: true, linkify: true, breaks: true });

/** www.example.com is a link, as on GitHub; example.com alone is not (notes.md would be). */
const WWW_HOST = /[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+(?:[/?#][^\s<>]*)?/uy;
notes.linkify.add('www.', {
	validate(text, pos) {
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
	},
	normalize(match) {
		match.url = `https://${match.url}`;
	}
});

/** "- [ ] call back" and "- [x] sent": a list item starting so shows a checkbox, ticked or not. */
notes.core.ruler.after('inline', 'task_lists', (state) => {
	const tokens = state.tokens;
	tokens.forEach((token, i) => {
		if (token.type !== 'inline' || tokens[i - 2]?.type !== 'list_item_open') return;
		const first = token.children?.[0];
		const box = first?.type === 'text' ? /^\[([ xX])\][ \t]/.exec(first.content) : null;
		if (!first || !box) return;
		first.content = first.content.slice(box[0].length);
		const input = new state.Token('html_inline', '', 0);
		input.content = `<input type="checkbox" disabled${box[1] === ' ' ? '' : ' checked'}> `;
		token.children!.unshift(input);
	});
});

/** Markdown the practitioner wrote, as HTML that can carry no script, style or event handler. */
export function renderNote(markdown: string): string {
	const html = notes.render(markdown);
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
			})
		}
	});
}

/** Inline markdown's words: emphasis, links and code lose their marks; inline HTML is dropped. */
function inlineText(tokens: Token[]): string {
	return tokens
		.map((token) => {
			if (token.type === 'softbreak' || token.type === 'hardbreak') return '\n';
			// An image's content is its alternative text.
			return ['text', 'code_inline', 'image'].includes(token.type) ? token.content : '';
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
	for (const token of notes.parse(markdown, {})) {
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
