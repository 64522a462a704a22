import { formatClockRange, type DatePrefs } from '../../format';

const WEEKDAYS = [
	'Mondays',
	'Tuesdays',
	'Wednesdays',
	'Thursdays',
	'Fridays',
	'Saturdays',
	'Sundays'
];

type Writing = Pick<DatePrefs, 'locale' | 'clock'>;
type DateRange = { startsAt: Date; endsAt: Date };

/** "Amsterdam time" for Europe/Amsterdam, "UTC" for UTC: how a visitor would name the zone. */
export function zoneLabel(timeZone: string): string {
	const city = timeZone.slice(timeZone.lastIndexOf('/') + 1).replaceAll('_', ' ');
	return /^(UTC|GMT|Etc\/)/.test(timeZone) || !timeZone.includes('/') ? city : `${city} time`;
}

/** ISO weekday (1 = Monday) of an instant, as the clock in `timeZone` reads it. */
function isoWeekday(instant: Date, timeZone: string): number {
	const name = new Intl.DateTimeFormat('en-US', { weekday: 'short', timeZone }).format(instant);
	return ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(name) + 1;
}

/** "Mondays and Wednesdays", "Mondays, Wednesdays and Fridays". */
function weekdayList(days: number[]): string {
	const names = days.map((d) => WEEKDAYS[d - 1]!);
	return names.length === 1
		? names[0]!
		: `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** "9 December" (or "December 9"), with the year only when it is not this year's. */
function dayMonth(instant: Date, timeZone: string, writing: Writing, now: Date): string {
	const year = (d: Date) => new Intl.DateTimeFormat('en', { year: 'numeric', timeZone }).format(d);
	return new Intl.DateTimeFormat(writing.locale, {
		day: 'numeric',
		month: 'long',
		...(year(instant) === year(now) ? {} : { year: 'numeric' }),
		timeZone
	}).format(instant);
}

/**
 * The schedule in one line, read from the coming dates in the series' own zone: "Wednesdays
 * 18:30–19:30 from 9 December, Amsterdam time". Dates that keep no weekly pattern (one moved to
 * another hour) make it a count instead: "8 dates from 9 December, Amsterdam time".
 */
export function scheduleLine(
	dates: DateRange[],
	timeZone: string,
	writing: Writing,
	now = new Date()
): string {
	const first = dates[0];
	if (!first) return 'No dates are planned right now.';
	const prefs = { ...writing, timeZone };
	const from = dayMonth(first.startsAt, timeZone, writing, now);
	const zone = zoneLabel(timeZone);
	const hours = dates.map((d) => formatClockRange(d.startsAt, d.endsAt, timeZone, prefs));
	if (dates.length === 1) {
		const weekday = WEEKDAYS[isoWeekday(first.startsAt, timeZone) - 1]!.slice(0, -1);
		return `${weekday} ${from}, ${hours[0]}, ${zone}`;
	}
	if (hours.every((h) => h === hours[0])) {
		const days = [...new Set(dates.map((d) => isoWeekday(d.startsAt, timeZone)))].sort(
			(a, b) => a - b
		);
		// Every day of the week is no weekly rhythm a person would recognise by name.
		if (days.length < 7) return `${weekdayList(days)} ${hours[0]} from ${from}, ${zone}`;
	}
	return `${dates.length} dates from ${from}, ${zone}`;
}
