/** How often one failure is logged again while it lasts. */
const REPEAT_AFTER_MS = 60_000;

/**
 * A logger for failures that repeat while a service is down (a database restarting, a link
 * reconnecting every second): each distinct message once a minute at most, not once per try. The
 * message only, never the whole error: connection errors can carry the address and the user.
 */
export function repeatedFailures(write: (message: string) => void): (error: unknown) => void {
	const loggedAt = new Map<string, number>();
	return (error) => {
		const message = error instanceof Error ? error.message : String(error);
		const now = Date.now();
		if (now - (loggedAt.get(message) ?? -Infinity) < REPEAT_AFTER_MS) return;
		// The messages of one outage are few; a long-lived process must not gather them forever.
		if (loggedAt.size > 100) loggedAt.clear();
		loggedAt.set(message, now);
		write(message);
	};
}
