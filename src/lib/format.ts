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
