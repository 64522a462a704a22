/**
 * Whether a socket.io handshake comes from one of the app's own pages. Without this check a page
 * of any other site could open a socket that carries the user's cookie and read their live events
 * (cross-site WebSocket hijacking): browsers send cookies on cross-site WebSocket handshakes, and
 * the same-origin policy does not apply to them.
 *
 * Browsers name the page's origin on every WebSocket handshake and on every cross-site request; a
 * handshake without one comes from no page of another site. The app's own origin is ORIGIN, or
 * whatever host the browser sent the request to: the zero-config start answers on localhost and
 * on the machine's LAN address alike. The host alone is enough because the browser sets Host to
 * the server it connects to and Origin to the page it runs, so the two name the same host only for
 * a page of this app (a rebound DNS name matches too, but carries no cookie of this app).
 */
export function fromOwnPage(
	origin: string | undefined,
	host: string | undefined,
	configuredOrigin: string | undefined
): boolean {
	if (origin === undefined) return true;
	if (configuredOrigin !== undefined && origin === new URL(configuredOrigin).origin) return true;
	if (!URL.canParse(origin) || !host) return false;
	return new URL(origin).host === host.toLowerCase();
}
