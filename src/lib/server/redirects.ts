/** Stands for the app's own origin: only what resolves against it to the same origin is kept. */
const HERE = new URL('http://same-origin.invalid/');

/**
 * Only same-site paths: an attacker's link must not send someone off-site after signing in.
 * The address is read as a browser would read it (WHATWG URL: tabs and line breaks dropped,
 * backslashes as slashes), so `/\t/evil.test` is seen as the `//evil.test` the browser would
 * follow. What is kept is the browser's own serialisation: percent-encoded, with no control
 * characters left to break the Location header.
 */
export function safeRedirectTarget(value: string | null, fallback = '/dashboard'): string {
	if (!value?.startsWith('/')) return fallback;
	let target: URL;
	try {
		target = new URL(value, HERE);
	} catch {
		return fallback;
	}
	if (target.origin !== HERE.origin) return fallback;
	const path = target.pathname + target.search + target.hash;
	// Dot segments resolve away: `/.//evil.test` becomes `//evil.test`, which a browser reads as
	// another site when it comes back in a Location header.
	return path.startsWith('//') ? fallback : path;
}

/** The sign-in page, coming back to `url` afterwards. */
export function signInAddress(url: URL): string {
	return `/sign-in?redirectTo=${encodeURIComponent(url.pathname + url.search)}`;
}
