import { icsDocument, textProperty, utcStamp } from '../calendar/ics-text';

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
		textProperty('X-WR-CALNAME', name),
		textProperty('X-WR-TIMEZONE', timeZone),
		...events.flatMap((event) => [
			'BEGIN:VEVENT',
			textProperty('UID', event.uid),
			`DTSTAMP:${utcStamp(new Date())}`,
			`DTSTART:${utcStamp(event.startsAt)}`,
			`DTEND:${utcStamp(event.endsAt)}`,
			textProperty('SUMMARY', event.summary),
			textProperty('DESCRIPTION', event.description),
			textProperty('LOCATION', event.location),
			'END:VEVENT'
		]),
		'END:VCALENDAR'
	];
	return icsDocument(lines);
}
