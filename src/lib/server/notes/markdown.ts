import { marked, type Token } from 'marked';
import sanitizeHtml from 'sanitize-html';

/** Markdown the practitioner wrote, as HTML that can carry no script, style or event handler. */
export function renderNote(markdown: string): string {
	const html = marked.parse(markdown, { async: false, gfm: true, breaks: true });
	return sanitizeHtml(html, {
		allowedTags: [
			'p',
			'br',
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
			if (token.type === 'html') return '';
			if (token.type === 'br') return '\n';
			if ('tokens' in token && token.tokens) return inlineText(token.tokens);
			return 'text' in token ? String(token.text) : '';
		})
		.join('');
}

function blockText(tokens: Token[]): string[] {
	return tokens.flatMap((token): string[] => {
		switch (token.type) {
			case 'list':
				return (token.items as Token[]).flatMap((item) =>
					'tokens' in item && item.tokens ? blockText(item.tokens) : []
				);
			case 'blockquote':
				return blockText(token.tokens ?? []);
			case 'code':
				return [token.text];
			case 'space':
			case 'hr':
			case 'html':
			case 'table':
				return [];
			default:
				if ('tokens' in token && token.tokens) return [inlineText(token.tokens)];
				return 'text' in token ? [String(token.text)] : [];
		}
	});
}

/**
 * A note as plain text, one line per paragraph, heading or list item: for excerpts, where the
 * markdown's own marks (## , **, - ) would otherwise show. Escaped on display like any text.
 */
export function noteText(markdown: string): string {
	return blockText(marked.lexer(markdown, { gfm: true, breaks: true }))
		.filter((line) => line.trim())
		.join('\n');
}

export { NOTE_TEMPLATES } from '../../note-templates';
