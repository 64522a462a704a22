/**
 * Writing iCalendar (RFC 5545) content lines: the one place that escapes TEXT values, formats
 * date-times and folds long lines, for the series invitations and the practitioner's feed alike.
 */

/**
 * RFC 5545 §3.3.11 TEXT: backslash, semicolon and comma are escaped, and every line break — CRLF,
 * LF or a lone CR — becomes `\n`. A lone CR left in place would end the content line for some
 * readers and let the rest of the value pose as a property of its own. TEXT allows no other
 * control character but the tab, so the rest are dropped rather than written.
 */
export function escapeText(value: string): string {
	return value
		.replace(/[\\;,]/g, (c) => `\\${c}`)
		.replace(/\r\n|\r|\n/g, '\\n')
		.replace(/\p{Cc}/gu, (c) => (c === '\t' ? c : ''));
}

/** A property of type TEXT, escaped so that nothing in its value can end the line or the value. */
export const textProperty = (name: string, value: string) => `${name}:${escapeText(value)}`;

const LINE_OCTETS = 75;

/**
 * Folds a content line into lines of at most 75 octets, each continuation starting with a space,
 * and never splits a UTF-8 character (RFC 5545 §3.1): a cut that would land on a continuation
 * byte (10xxxxxx) moves back to the character's first byte.
 */
export function fold(line: string): string {
	const bytes = Buffer.from(line);
	const parts: string[] = [];
	let start = 0;
	do {
		// A continuation line's leading space takes one of its 75 octets.
		let end = Math.min(start + LINE_OCTETS - (start === 0 ? 0 : 1), bytes.length);
		while (end < bytes.length && (bytes[end]! & 0xc0) === 0x80) end--;
		parts.push(bytes.subarray(start, end).toString());
		start = end;
	} while (start < bytes.length);
	return parts.join('\r\n ');
}

/** A DATE-TIME in UTC: 20260303T170000Z. */
export const utcStamp = (instant: Date) =>
	instant
		.toISOString()
		.replace(/[-:]/g, '')
		.replace(/\.\d{3}/, '');

/** The content lines as one iCalendar object: folded, each ending in CRLF. */
export const icsDocument = (lines: string[]) => lines.map(fold).join('\r\n') + '\r\n';
