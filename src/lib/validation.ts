import { z } from 'zod';
import { TIME_ZONE_NAMES } from './time-zone-names';

/**
 * The building blocks of every input schema, for the procedures and the forms alike. Each refuses
 * what the database would refuse, so that a bad value is a clear message beside its field and
 * never an error from PostgreSQL.
 */

/** PostgreSQL text cannot hold U+0000, and a lone surrogate has no UTF-8 form at all. */
export function isStorableText(value: string): boolean {
	return !value.includes('\u0000') && !/\p{Cs}/u.test(value);
}

const UNSTORABLE = 'This contains a character that cannot be stored; please remove it.';

/**
 * Text of at most `max` characters, trimmed unless `trim` is false (a password, a note's body
 * whose indentation means something). Chain `.min(1, …)` for a required field.
 */
export function text(
	max: number,
	{ trim = true, tooLong = `Use at most ${max.toLocaleString('en')} characters.` } = {}
) {
	const string = trim ? z.string().trim() : z.string();
	return string.max(max, tooLong).refine(isStorableText, UNSTORABLE);
}

/** An https address without spaces: the only links sessions and series take. */
export const isHttpsLink = (value: string) => /^https:\/\/\S+$/i.test(value);

/** The host of an https link (lower-case, as URL reads it), or null for anything else. */
export function httpsHost(value: string): string | null {
	if (!isHttpsLink(value)) return null;
	try {
		return new URL(value).hostname;
	} catch {
		return null;
	}
}

/** zoom.us or one of its subdomains (us02web.zoom.us), read from the parsed host, never the text. */
export const isZoomHost = (host: string) => host === 'zoom.us' || host.endsWith('.zoom.us');

/** A required email address, lower-case. */
export const email = text(254, { tooLong: 'That email address is too long.' })
	.toLowerCase()
	.min(1, 'Enter your email address.')
	.email('Enter a valid email address.');

/**
 * Dates are kept within years any calendar of ours means: PostgreSQL takes years up to 5874897,
 * but JavaScript's Date ends at 275760 and writes years past 9999 in a form PostgreSQL refuses,
 * and a weekly rule must stay inside both however far it repeats.
 */
export const MIN_YEAR = 1900;
export const MAX_YEAR = 2199;

/** A date that exists in the calendar (no 2024-02-30), written YYYY-MM-DD. */
export function isCalendarDate(value: string): boolean {
	const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
	if (!match) return false;
	const [year, month, day] = match.slice(1).map(Number) as [number, number, number];
	const date = new Date(Date.UTC(year, month - 1, day));
	return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** A calendar date, YYYY-MM-DD, between MIN_YEAR and MAX_YEAR. */
export const localDate = z
	.string()
	.regex(/^\d{4}-\d{2}-\d{2}$/, 'Choose a date.')
	.refine(isCalendarDate, 'Choose a date that exists in the calendar.')
	.refine(
		(value) => Number(value.slice(0, 4)) >= MIN_YEAR && Number(value.slice(0, 4)) <= MAX_YEAR,
		`Choose a date between ${MIN_YEAR} and ${MAX_YEAR}.`
	);

/** A time of day, HH:MM on the 24-hour clock. */
export const localTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'Choose a time.');

const TIME_ZONES = new Set(TIME_ZONE_NAMES);

/** A zone name both PostgreSQL and the browser know (see time-zone-names.ts). */
export function isTimeZone(value: string): boolean {
	return TIME_ZONES.has(value);
}

export const timeZone = z.string().trim().max(64).refine(isTimeZone, 'Choose a valid time zone.');

/** The largest value of a PostgreSQL `integer` column. */
export const PG_INTEGER_MAX = 2_147_483_647;

/** A whole number from `min` to `max`, also when a form sends it as text. */
export function count(
	min: number,
	max: number,
	{
		tooFew = `At least ${min}.`,
		tooMany = `At most ${max}.`
	}: { tooFew?: string; tooMany?: string } = {}
) {
	return z.coerce
		.number('Enter a number.')
		.int('Enter a whole number.')
		.min(min, tooFew)
		.max(max, tooMany);
}
