import { httpsHost, isZoomHost } from '../../validation';
import type { locationKinds } from './schemas';

/**
 * Where a session imported from another tool takes place, guessed from the text of its location:
 * an https address on zoom.us (or a subdomain) is Zoom, any other https address is a link, and
 * anything else names a place. The host is read from the parsed address, so a Zoom address in a
 * query or path elsewhere is no Zoom meeting. Plain http is a place, as the session form only
 * takes https links.
 */
export function locationFromText(text: string): {
	locationKind: (typeof locationKinds)[number];
	locationDetail: string;
} {
	const host = httpsHost(text);
	if (host === null) return { locationKind: 'in_person', locationDetail: text };
	return { locationKind: isZoomHost(host) ? 'zoom' : 'link', locationDetail: text };
}
