import { randomBytes } from 'node:crypto';
import { expect, type APIRequestContext } from '@playwright/test';

/**
 * Quick set-up through the app's own tRPC procedures over HTTP (the `{ json }` envelope of `$lib/wire-format`).
 * `request` is a browser context's, so it carries that context's sign-in cookie: whatever it
 * creates belongs to whoever is signed in there, and is published live like a change from the UI.
 */
async function trpcMutation<T>(
	request: APIRequestContext,
	procedure: string,
	input: unknown
): Promise<T> {
	const response = await request.post(`/api/trpc/${procedure}`, { data: { json: input } });
	expect(response.ok(), `${procedure}: ${await response.text()}`).toBe(true);
	const body = (await response.json()) as { result: { data: { json: T } } };
	return body.result.data.json;
}

export type NewClient = { name: string; email?: string; phone?: string; tags?: string };

/** Every field the client forms send, the optional ones empty unless given. */
const clientFields = (client: NewClient) => ({
	email: '',
	phone: '',
	notes: '',
	tags: '',
	...client
});

export async function createClient(
	request: APIRequestContext,
	client: NewClient
): Promise<{ id: string; name: string }> {
	const { id } = await trpcMutation<{ id: string }>(
		request,
		'clients.create',
		clientFields(client)
	);
	return { id, name: client.name };
}

/** Changes a client's fields as a save from another device would; returns once it is stored. */
export async function updateClient(
	request: APIRequestContext,
	id: string,
	client: NewClient
): Promise<void> {
	await trpcMutation(request, 'clients.update', { id, ...clientFields(client) });
}

export type NewSession = {
	clientId: string;
	/** YYYY-MM-DD, in the time zone below. */
	date: string;
	/** HH:MM */
	startTime: string;
	durationMinutes?: number;
	fee?: string;
	currency?: string;
	timeZone?: string;
};

/** One session (no repeat); returns its id. */
export async function createSession(
	request: APIRequestContext,
	session: NewSession
): Promise<string> {
	const { ids } = await trpcMutation<{ ids: string[] }>(request, 'sessions.create', {
		durationMinutes: 50,
		fee: '60',
		currency: 'EUR',
		timeZone: 'UTC',
		locationKind: 'in_person',
		locationDetail: '',
		repeat: 'none',
		...session
	});
	expect(ids).toHaveLength(1);
	return ids[0]!;
}

export type NewSeries = {
	title: string;
	/** YYYY-MM-DD in UTC: the first date, and its weekday the one the series meets on. */
	date: string;
	/** HH:MM */
	startTime: string;
	dates?: number;
	capacity?: number;
};

const WEEKDAY_FIELDS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/** A published weekly group series in UTC; returns its id. */
export async function createPublishedSeries(
	request: APIRequestContext,
	series: NewSeries
): Promise<string> {
	const weekday = WEEKDAY_FIELDS[new Date(`${series.date}T00:00:00Z`).getUTCDay()]!;
	const { id } = await trpcMutation<{ id: string }>(request, 'series.create', {
		title: series.title,
		timeZone: 'UTC',
		[weekday]: true,
		startTime: series.startTime,
		startDate: series.date,
		endKind: 'count',
		occurrenceCount: series.dates ?? 1,
		durationMinutes: 60,
		capacity: series.capacity ?? 6,
		locationKind: 'in_person',
		locationDetail: 'Studio 2'
	});
	await trpcMutation(request, 'series.setStatus', { id, status: 'published' });
	return id;
}

/** Writes a session's note and signs it, which locks it. */
export async function writeSignedNote(
	request: APIRequestContext,
	sessionId: string,
	body: string
): Promise<void> {
	const { version } = await trpcMutation<{ version: number }>(request, 'notes.save', {
		sessionId,
		template: 'free',
		body,
		baseVersion: 0
	});
	await trpcMutation(request, 'notes.sign', { sessionId, version });
}

/** Sets a session's status, e.g. `completed`, as the status buttons do. */
export async function setSessionStatus(
	request: APIRequestContext,
	id: string,
	status: 'scheduled' | 'completed' | 'cancelled' | 'late_cancelled' | 'no_show'
): Promise<void> {
	await trpcMutation(request, 'sessions.setStatus', { id, status });
}

/** A date some days from today, YYYY-MM-DD in UTC (the browsers' and the accounts' zone). */
export function isoDate(daysFromToday: number): string {
	return new Date(Date.now() + daysFromToday * 24 * 60 * 60 * 1000).toISOString().slice(0, 10);
}

/** A client name no other test (or earlier run) can have: names are matched exactly on pages. */
export function uniqueName(first: string): string {
	return `${first} ${randomBytes(3).toString('hex').toUpperCase()}`;
}

export const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

/** Marks sessions paid, as the unpaid list does on another device. */
export async function markSessionsPaid(
	request: APIRequestContext,
	ids: string[],
	paidOn: string
): Promise<void> {
	await trpcMutation(request, 'sessions.markPaid', { ids, paidOn });
}
