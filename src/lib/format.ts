const dateTime = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' });

export function formatDateTime(value: Date, timeZone?: string): string {
	return timeZone
		? new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(
				value
			)
		: dateTime.format(value);
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
	password_reset: 'Password reset'
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

/** "Tue 5 Jan, 09:00–09:50" in the given zone. */
export function formatSessionTime(startsAt: Date, endsAt: Date, timeZone: string): string {
	const day = new Intl.DateTimeFormat('en-GB', {
		weekday: 'short',
		day: 'numeric',
		month: 'short',
		year: 'numeric',
		timeZone
	}).format(startsAt);
	const time = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', timeZone });
	return `${day}, ${time.format(startsAt)}–${time.format(endsAt)}`;
}

/** "09:00" in the given zone. */
export function formatClock(instant: Date, timeZone: string): string {
	return new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', timeZone }).format(
		instant
	);
}

/** "Tuesday 24 November at 18:30" in the given zone: a series date as subscribers see it. */
export function formatSeriesDate(instant: Date, timeZone: string): string {
	return new Intl.DateTimeFormat('en-GB', {
		weekday: 'long',
		day: 'numeric',
		month: 'long',
		hour: '2-digit',
		minute: '2-digit',
		timeZone
	}).format(instant);
}
