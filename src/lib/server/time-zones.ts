import { isTimeZone } from '../validation';

/**
 * The zones to choose from: the canonical names both PostgreSQL and the server know, plus
 * `current` when it is an alias they know (what a browser in UTC reports, and our default; a
 * select without the current value would submit an empty one and fail validation).
 */
export function timeZoneChoices(current: string): string[] {
	const zones = Intl.supportedValuesOf('timeZone').filter(isTimeZone);
	return zones.includes(current) || !isTimeZone(current) ? zones : [...zones, current].sort();
}

/** Today's date (YYYY-MM-DD) in a time zone. */
export function todayIn(timeZone: string): string {
	return new Intl.DateTimeFormat('en-CA', { timeZone }).format(new Date());
}
