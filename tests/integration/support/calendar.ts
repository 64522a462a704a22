import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ICAL from 'ical.js';
import { requestEvent, answerOf } from './routes';
import { GET as feedRoute } from '../../../src/routes/calendar/[token].ics/+server';

/** The token in a feed address /calendar/<token>.ics. */
export const tokenOf = (url: string) => /\/calendar\/([^/]+)\.ics$/.exec(url)![1]!;

/**
 * Fetches a feed as a calendar app does: no cookie, maybe If-None-Match. The status, headers and
 * body SvelteKit would send.
 */
export async function fetchFeed(token: string, headers: Record<string, string> = {}) {
	const path = `/calendar/${token}.ics`;
	const event = { ...requestEvent({ path, params: { token } }) };
	event.request = new Request(event.url, { headers });
	const answer = await answerOf(() => feedRoute(event as never));
	if (!(answer.data instanceof Response)) {
		return { status: answer.status, headers: new Headers(), body: JSON.stringify(answer.data) };
	}
	const response = answer.data;
	return { status: response.status, headers: response.headers, body: await response.text() };
}

/** The feed as ical.js reads it, and its events. */
export function parseCalendar(body: string) {
	const calendar = new ICAL.Component(ICAL.parse(body));
	return { calendar, events: calendar.getAllSubcomponents('vevent') };
}

/** Next year: repeating events of the fixtures then fall inside the window an import expands. */
export const FIXTURE_YEAR = new Date().getUTCFullYear() + 1;

/** One of the .ics files in tests/fixtures/calendar, with {{YEAR}} made next year. */
export function icsFixture(name: 'google' | 'apple' | 'outlook'): string {
	const path = fileURLToPath(new URL(`../../fixtures/calendar/${name}.ics`, import.meta.url));
	return readFileSync(path, 'utf8').replaceAll('{{YEAR}}', String(FIXTURE_YEAR));
}
