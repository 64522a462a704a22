/** A control character cannot go into a Location header: SvelteKit would fail with a 500. */
const hasControlCharacter = (value: string) => [...value].some((c) => c < ' ' || c === '\u007f');

/** Only same-site paths: an attacker's link must not send someone off-site after signing in. */
export function safeRedirectTarget(value: string | null, fallback = '/dashboard'): string {
	if (
		!value ||
		!value.startsWith('/') ||
		value.startsWith('//') ||
		value.startsWith('/\\') ||
		hasControlCharacter(value)
	) {
		return fallback;
	}
	return value;
}
