import { marked } from 'marked';
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

export { NOTE_TEMPLATES } from '../../note-templates';
