/**
 * RFC 5545 §3.3.11 TEXT: backslash, semicolon and comma are escaped, and every line break — CRLF,
 * LF or a lone CR — becomes `\n`. A lone CR left in place would end the content line for some
 * readers and let the rest of the value pose as a property of its own. TEXT allows no other
 * control character but the tab, so the rest are dropped rather than written.
 */
function escapeText(value: string): string {
	return value
		.replace(/[\\;,]/g, (c) => `\\${c}`)
		.replace(/\r\n|\r|\n/g, '\\n')
		.replace(/\p{Cc}/gu, (c) => (c === '\t' ? c : ''));
}

/** A property of type TEXT, escaped so that nothing in its value can end the line or the value. */
const text = (name: string, value: string) => `${name}:${escapeText(value)}`;

const LINE_OCTETS = 75;

/**
 * Folds a content line into lines of at most 75 octets, each continuation starting with a space,
 * and never splits a UTF-8 character (RFC 5545 §3.1): a cut that would land on a continuation
 * byte (10xxxxxx) moves back to the character's first byte.
 */
function fold(line: string): string {
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

const stamp = (instant: Date) =>
	instant
		.toISOString()
		.replace(/[-:]/g, '')
		.replace(/\.\d{3}/, '');

export type IcsEvent = {
	uid: string;
	startsAt: Date;
	endsAt: Date;
	summary: string;
	description: string;
	location: string;
};

/** A calendar with one event per date; times in UTC, the series' zone named for the reader. */
export function icsCalendar(name: string, timeZone: string, events: IcsEvent[]): string {
	const lines = [
		'BEGIN:VCALENDAR',
		'VERSION:2.0',
		'PRODID:-//Sessionboard//Series//EN',
		'CALSCALE:GREGORIAN',
		'METHOD:PUBLISH',
		text('X-WR-CALNAME', name),
		text('X-WR-TIMEZONE', timeZone),
		...events.flatMap((event) => [
			'BEGIN:VEVENT',
			text('UID', event.uid),
			`DTSTAMP:${stamp(new Date())}`,
			`DTSTART:${stamp(event.startsAt)}`,
			`DTEND:${stamp(event.endsAt)}`,
			text('SUMMARY', event.summary),
			text('DESCRIPTION', event.description),
			text('LOCATION', event.location),
			'END:VEVENT'
		]),
		'END:VCALENDAR'
	];
	return lines.map(fold).join('\r\n') + '\r\n';
}
