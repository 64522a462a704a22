/** RFC 5545 text escaping for SUMMARY, DESCRIPTION and LOCATION. */
function escapeText(value: string): string {
	return value
		.replace(/\\/g, '\\\\')
		.replace(/;/g, '\\;')
		.replace(/,/g, '\\,')
		.replace(/\r?\n/g, '\\n');
}

/** Lines longer than 75 octets are folded with CRLF and a space (RFC 5545 §3.1). */
function fold(line: string): string {
	const bytes = Buffer.from(line);
	if (bytes.length <= 75) return line;
	const parts: string[] = [];
	let start = 0;
	while (start < bytes.length) {
		let end = Math.min(start + (start === 0 ? 75 : 74), bytes.length);
		// Never split a UTF-8 character: continuation bytes start with 10xxxxxx.
		while (end < bytes.length && (bytes[end]! & 0xc0) === 0x80) end--;
		parts.push(bytes.subarray(start, end).toString());
		start = end;
	}
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
		`X-WR-CALNAME:${escapeText(name)}`,
		`X-WR-TIMEZONE:${timeZone}`,
		...events.flatMap((event) => [
			'BEGIN:VEVENT',
			`UID:${event.uid}`,
			`DTSTAMP:${stamp(new Date())}`,
			`DTSTART:${stamp(event.startsAt)}`,
			`DTEND:${stamp(event.endsAt)}`,
			`SUMMARY:${escapeText(event.summary)}`,
			`DESCRIPTION:${escapeText(event.description)}`,
			`LOCATION:${escapeText(event.location)}`,
			'END:VEVENT'
		]),
		'END:VCALENDAR'
	];
	return lines.map(fold).join('\r\n') + '\r\n';
}
