/**
 * Every date and time the app writes, on pages and in emails, goes through these functions, so
 * they all follow the practitioner's locale and clock, and name a time zone whenever it is not
 * the reader's own.
 */

/** Locales offered in Settings: what the dates are written in; the app's words stay English. */
export const LOCALES = [
	'en-GB',
	'en-US',
	'en-AU',
	'en-CA',
	'en-IE',
	'de-DE',
	'de-AT',
	'de-CH',
	'fr-FR',
	'es-ES',
	'it-IT',
	'nl-NL',
	'pt-PT',
	'pt-BR',
	'sv-SE',
	'da-DK',
	'nb-NO',
	'fi-FI',
	'pl-PL'
] as const;
export type Locale = (typeof LOCALES)[number];

/** `locale`: as the locale writes times (en-US 12-hour, en-GB 24-hour); else forced. */
export const CLOCKS = ['locale', '12', '24'] as const;
export type Clock = (typeof CLOCKS)[number];

export type DatePrefs = {
	locale: string;
	clock: Clock;
	/**
	 * The reader's own zone: a time shown in another zone (another offset at that moment) names
	 * it. Null when the reader's zone is unknown, as for an email: every time names its zone.
	 */
	timeZone: string | null;
};

const formats = new Map<string, Intl.DateTimeFormat>();

/** The hour cycle the reader asked for, or their locale's own. */
function hourCycle(prefs: Pick<DatePrefs, 'locale' | 'clock'>): 'h12' | 'h23' {
	if (prefs.clock !== 'locale') return prefs.clock === '12' ? 'h12' : 'h23';
	const own = new Intl.DateTimeFormat(prefs.locale, { hour: 'numeric' }).resolvedOptions();
	return own.hourCycle === 'h11' || own.hourCycle === 'h12' ? 'h12' : 'h23';
}

function formatter(
	prefs: Pick<DatePrefs, 'locale' | 'clock'>,
	timeZone: string,
	options: Intl.DateTimeFormatOptions
): Intl.DateTimeFormat {
	const key = JSON.stringify([prefs.locale, prefs.clock, timeZone, options]);
	let format = formats.get(key);
	if (!format) {
		const cycle = hourCycle(prefs);
		// A 24-hour clock reads 09:05, a 12-hour one 9:05 am.
		const hour = options.hour && {
			hour: cycle === 'h23' ? ('2-digit' as const) : ('numeric' as const),
			hourCycle: cycle
		};
		format = new Intl.DateTimeFormat(prefs.locale, { ...options, ...hour, timeZone });
		formats.set(key, format);
	}
	return format;
}

export type Length = 'short' | 'long';

const dayOptions = {
	short: { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' },
	long: { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }
} as const satisfies Record<Length, Intl.DateTimeFormatOptions>;
const timeOptions = {
	hour: 'numeric',
	minute: '2-digit'
} as const satisfies Intl.DateTimeFormatOptions;

function offset(instant: Date, timeZone: string): string {
	return formatter({ locale: 'en', clock: 'locale' }, timeZone, { timeZoneName: 'longOffset' })
		.formatToParts(instant)
		.find((part) => part.type === 'timeZoneName')!.value;
}

/** The zone's name when the reader's clock reads differently at that moment, else nothing. */
function zoneNote(instant: Date, timeZone: string, prefs: DatePrefs): string {
	const named =
		prefs.timeZone === null || offset(instant, timeZone) !== offset(instant, prefs.timeZone);
	return named ? ` (${timeZone})` : '';
}

/** "Tue, 3 Mar 2026" (en-GB): a day heading, in the reader's zone unless told otherwise. */
export function formatDate(
	instant: Date,
	timeZone: string,
	prefs: DatePrefs,
	length: Length = 'short'
): string {
	return formatter(prefs, timeZone, dayOptions[length]).format(instant);
}

/** "18:05" or "6:05 pm": the time alone, for lists under a day heading in the same zone. */
export function formatTime(instant: Date, timeZone: string, prefs: DatePrefs): string {
	return formatter(prefs, timeZone, timeOptions).format(instant);
}

/** "Tue, 3 Mar 2026, 18:05 (Europe/Berlin)": the zone named when it is not the reader's. */
export function formatDateTime(
	instant: Date,
	timeZone: string,
	prefs: DatePrefs,
	length: Length = 'short'
): string {
	const text = formatter(prefs, timeZone, { ...dayOptions[length], ...timeOptions }).format(
		instant
	);
	return text + zoneNote(instant, timeZone, prefs);
}

/** "Tue, 3 Mar 2026, 18:05–18:55", the zone named when it is not the reader's. */
export function formatTimeRange(
	startsAt: Date,
	endsAt: Date,
	timeZone: string,
	prefs: DatePrefs
): string {
	const text = formatter(prefs, timeZone, { ...dayOptions.short, ...timeOptions }).formatRange(
		startsAt,
		endsAt
	);
	return text + zoneNote(startsAt, timeZone, prefs);
}

/** "18:05–18:55": two times of one day, for lists under a day heading in the same zone. */
export function formatClockRange(
	startsAt: Date,
	endsAt: Date,
	timeZone: string,
	prefs: DatePrefs
): string {
	return formatter(prefs, timeZone, timeOptions).formatRange(startsAt, endsAt);
}

/** A short, human name for a browser from its user agent: "Chrome on macOS". */
export function describeDevice(userAgent: string | null): string {
	if (!userAgent) return 'Unknown device';
	const browser =
		[
			['Edg/', 'Edge'],
			['Firefox/', 'Firefox'],
			['Chrome/', 'Chrome'],
			['Safari/', 'Safari']
		].find(([marker]) => userAgent.includes(marker!))?.[1] ?? 'Browser';
	const system =
		[
			['iPad', 'iPad'],
			['iPhone', 'iPhone'],
			['Android', 'Android'],
			['Mac OS X', 'macOS'],
			['Windows', 'Windows'],
			['Linux', 'Linux']
		].find(([marker]) => userAgent.includes(marker!))?.[1] ?? 'an unknown system';
	return `${browser} on ${system}`;
}

export const securityEventLabels: Record<string, string> = {
	sign_up: 'Account created',
	sign_in: 'Signed in',
	sign_in_failed: 'Failed sign-in',
	sign_out: 'Signed out',
	sign_out_others: 'Signed out of all other devices',
	email_verified: 'Email confirmed',
	password_changed: 'Password changed',
	password_reset_requested: 'Password reset requested',
	password_reset: 'Password reset',
	data_exported: 'All data downloaded',
	email_change_requested: 'Email change requested',
	email_changed: 'Email changed',
	zoom_connected: 'Zoom connected',
	zoom_disconnected: 'Zoom disconnected',
	password_added: 'Password added',
	google_linked: 'Google linked',
	google_unlinked: 'Google unlinked'
};

export const sessionStatusLabels = {
	scheduled: 'Scheduled',
	completed: 'Completed',
	cancelled: 'Cancelled',
	late_cancelled: 'Late cancellation',
	no_show: 'No-show'
} as const;

export const paymentStatusLabels = { unpaid: 'Unpaid', paid: 'Paid', waived: 'Waived' } as const;

export const locationLabels = {
	in_person: 'In person',
	zoom: 'Zoom',
	link: 'Online link',
	phone: 'Phone'
} as const;

/** A calendar day ("2026-03-03") as a heading: "Tuesday, 3 March 2026" (en-GB). */
export function formatCalendarDate(
	date: string,
	prefs: DatePrefs,
	length: Length = 'long'
): string {
	return formatDate(new Date(`${date}T12:00:00Z`), 'UTC', prefs, length);
}

/** A month ("2026-03") as "March 2026". */
export function formatMonth(month: string, prefs: DatePrefs): string {
	return formatter(prefs, 'UTC', { month: 'long', year: 'numeric' }).format(
		new Date(`${month}-15T12:00:00Z`)
	);
}

/** A month's name alone ("2026-03" → "Mar"), for an axis that shows the year apart. */
export function formatMonthName(month: string, prefs: DatePrefs): string {
	return formatter(prefs, 'UTC', { month: 'short' }).format(new Date(`${month}-15T12:00:00Z`));
}
