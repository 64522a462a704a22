import type { TestBrowser } from './browser';

type Api = Awaited<ReturnType<TestBrowser['api']>>;

/** A client with sensible defaults, created through the procedure a practitioner uses. */
export async function makeClient(
	api: Api,
	fields: Partial<{ name: string; email: string; phone: string; tags: string }> = {}
) {
	return api.clients.create({
		name: fields.name ?? 'Jamie Client',
		email: fields.email ?? '',
		phone: fields.phone ?? '',
		notes: '',
		tags: fields.tags ?? ''
	});
}

/** One session (or a weekly rule) with sensible defaults. */
export async function makeSessions(
	api: Api,
	clientId: string,
	fields: Partial<Parameters<Api['sessions']['create']>[0]> = {}
) {
	return api.sessions.create({
		clientId,
		date: '2026-12-01',
		startTime: '10:00',
		durationMinutes: 50,
		timeZone: 'Europe/Berlin',
		locationKind: 'in_person',
		locationDetail: '',
		fee: '80',
		currency: 'EUR',
		repeat: 'none',
		intervalWeeks: 1,
		repeatEnd: 'count',
		count: 10,
		until: '',
		...fields
	});
}
