/**
 * Time zone arithmetic from the runtime's IANA data (Intl), as there is no tz library here: the
 * offset at an instant, the instant of a wall-clock time, the offset changes of a span of years,
 * and from those a VTIMEZONE (RFC 5545 §3.6.5) that any calendar can use without knowing the zone.
 */

export type WallTime = {
	year: number;
	month: number;
	day: number;
	hour: number;
	minute: number;
	second: number;
};

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

const readers = new Map<string, Intl.DateTimeFormat>();
function reader(timeZone: string): Intl.DateTimeFormat {
	let format = readers.get(timeZone);
	if (!format) {
		format = new Intl.DateTimeFormat('en-US', {
			timeZone,
			hourCycle: 'h23',
			year: 'numeric',
			month: 'numeric',
			day: 'numeric',
			hour: 'numeric',
			minute: 'numeric',
			second: 'numeric'
		});
		readers.set(timeZone, format);
	}
	return format;
}

/** What a wall clock in the zone shows at the instant. */
export function wallTimeAt(timeZone: string, instantMs: number): WallTime {
	const parts: Record<string, number> = {};
	for (const part of reader(timeZone).formatToParts(instantMs)) {
		if (part.type !== 'literal') parts[part.type] = Number(part.value);
	}
	return {
		year: parts.year!,
		month: parts.month!,
		day: parts.day!,
		hour: parts.hour!,
		minute: parts.minute!,
		second: parts.second!
	};
}

const asUtcMs = (wall: WallTime) =>
	Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);

/** The zone's offset from UTC at the instant, in seconds (east positive). */
export function offsetSecondsAt(timeZone: string, instantMs: number): number {
	const whole = Math.floor(instantMs / 1000) * 1000;
	return (asUtcMs(wallTimeAt(timeZone, whole)) - whole) / 1000;
}

/**
 * The instant a wall-clock time names in the zone. A time skipped by a change forward is read
 * with the offset before the change (02:30 on a spring-forward night is 03:30), and a time that
 * happens twice takes the first, as RFC 5545 §3.3.5 asks of readers.
 */
export function instantOfWallTime(timeZone: string, wall: WallTime): number {
	const local = asUtcMs(wall);
	const before = offsetSecondsAt(timeZone, local - DAY_MS);
	const after = offsetSecondsAt(timeZone, local + DAY_MS);
	const early = local - before * 1000;
	const late = local - after * 1000;
	// In a gap neither reading is consistent: RFC 5545 reads it with the offset before the change.
	if (offsetSecondsAt(timeZone, early) === before) return early;
	return offsetSecondsAt(timeZone, late) === after ? late : early;
}

export type Transition = { atMs: number; fromSeconds: number; toSeconds: number };

/**
 * Every offset change in [fromMs, toMs): a day-by-day scan finds the days that contain one (zones
 * change at most once a day), then a search narrows each to the second.
 */
export function transitions(timeZone: string, fromMs: number, toMs: number): Transition[] {
	const found: Transition[] = [];
	let previous = offsetSecondsAt(timeZone, fromMs);
	for (let dayStart = fromMs; dayStart < toMs; dayStart += DAY_MS) {
		const dayEnd = Math.min(dayStart + DAY_MS, toMs);
		const next = offsetSecondsAt(timeZone, dayEnd);
		if (next === previous) continue;
		let low = dayStart;
		let high = dayEnd;
		while (high - low > 1000) {
			const middle = Math.floor((low + high) / 2000) * 1000;
			if (offsetSecondsAt(timeZone, middle) === previous) low = middle;
			else high = middle;
		}
		found.push({ atMs: high, fromSeconds: previous, toSeconds: next });
		previous = next;
	}
	return found;
}

/** A UTC-OFFSET value (RFC 5545 §3.3.14): +0100, -0330, +054521. */
export function utcOffset(seconds: number): string {
	const sign = seconds < 0 ? '-' : '+';
	const magnitude = Math.abs(seconds);
	const pad = (n: number) => String(n).padStart(2, '0');
	const hours = pad(Math.floor(magnitude / 3600));
	const minutes = pad(Math.floor((magnitude % 3600) / 60));
	const rest = magnitude % 60;
	return `${sign}${hours}${minutes}${rest ? pad(rest) : ''}`;
}

/** A DATE-TIME without zone: the wall time, written 20260329T020000. */
export function localStamp(wall: WallTime): string {
	const pad = (n: number, width = 2) => String(n).padStart(width, '0');
	return `${pad(wall.year, 4)}${pad(wall.month)}${pad(wall.day)}T${pad(wall.hour)}${pad(wall.minute)}${pad(wall.second)}`;
}

const wallAtOffset = (instantMs: number, offsetSeconds: number): WallTime =>
	wallTimeAt('UTC', instantMs + offsetSeconds * 1000);

/**
 * The zone's VTIMEZONE for the years given, as content lines. The first observance holds the
 * offset in force when the span begins; every change within the span follows as an observance
 * of its own (DTSTART in the offset before the change, RFC 5545 §3.8.2.4), DAYLIGHT when its
 * offset is larger than another in force within a year, STANDARD otherwise. Listing each change
 * rather than an RRULE stays right for zones whose rules changed within the span.
 */
export function vtimezone(timeZone: string, fromYear: number, toYear: number): string[] {
	const fromMs = Date.UTC(fromYear, 0, 1);
	const toMs = Date.UTC(toYear + 1, 0, 1);
	const initial = offsetSecondsAt(timeZone, fromMs);
	const changes = transitions(timeZone, fromMs, toMs);
	const observance = (kind: 'STANDARD' | 'DAYLIGHT', start: WallTime, from: number, to: number) => [
		`BEGIN:${kind}`,
		`DTSTART:${localStamp(start)}`,
		`TZOFFSETFROM:${utcOffset(from)}`,
		`TZOFFSETTO:${utcOffset(to)}`,
		`END:${kind}`
	];
	const kindOf = (offset: number, atMs: number) => {
		const near = changes.filter((c) => Math.abs(c.atMs - atMs) < 366 * DAY_MS);
		const smallest = Math.min(offset, ...near.flatMap((c) => [c.fromSeconds, c.toSeconds]));
		return offset > smallest ? 'DAYLIGHT' : 'STANDARD';
	};
	return [
		'BEGIN:VTIMEZONE',
		`TZID:${timeZone}`,
		...observance(kindOf(initial, fromMs), wallAtOffset(fromMs, initial), initial, initial),
		...changes.flatMap((change) =>
			observance(
				kindOf(change.toSeconds, change.atMs),
				wallAtOffset(change.atMs, change.fromSeconds),
				change.fromSeconds,
				change.toSeconds
			)
		),
		'END:VTIMEZONE'
	];
}
