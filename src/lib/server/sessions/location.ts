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
	const host = /^https:\/\/\S+$/i.test(text) ? hostOf(text) : null;
	if (host === null) return { locationKind: 'in_person', locationDetail: text };
	const zoom = host === 'zoom.us' || host.endsWith('.zoom.us');
	return { locationKind: zoom ? 'zoom' : 'link', locationDetail: text };
}

function hostOf(address: string): string | null {
	try {
		return new URL(address).hostname;
	} catch {
		return null;
	}
}
