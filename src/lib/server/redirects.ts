/** Only same-site paths: an attacker's link must not send someone off-site after signing in. */
export function safeRedirectTarget(value: string | null, fallback = '/dashboard'): string {
	if (!value || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) {
		return fallback;
	}
	return value;
}
