/**
 * Every zone the server knows, plus `current`: Intl's list leaves out 'UTC' (what a browser in UTC
 * reports, and our default) and some aliases browsers use, and a select without the current value
 * would submit an empty one and fail validation.
 */
export function timeZoneChoices(current: string): string[] {
	const zones = Intl.supportedValuesOf('timeZone');
	return zones.includes(current) ? zones : [...zones, current].sort();
}

/** Today's date (YYYY-MM-DD) in a time zone. */
export function todayIn(timeZone: string): string {
	return new Intl.DateTimeFormat('en-CA', { timeZone }).format(new Date());
}
