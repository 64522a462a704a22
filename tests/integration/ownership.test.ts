import { TRPCError } from '@trpc/server';
import { eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db';
import { subscribers } from '../../src/lib/server/db/schema';
import { limits } from '../../src/lib/server/auth/rate-limit';
import { hashSecret } from '../../src/lib/server/auth/tokens';
import { appRouter } from '../../src/lib/server/trpc/router';
import { signedUpPractitioner, TestBrowser } from './support/browser';
import { useTestDatabase } from './support/database';
import { makeClient, makeSessions } from './support/practice';
import { firstDates, publishedSeries, seriesInput, signUpAndConfirm } from './support/series';

let db: Database;
let first: Awaited<ReturnType<typeof practice>>;
let second: Awaited<ReturnType<typeof practice>>;

/**
 * A practitioner with one of everything: a client; sessions with a signed note, a draft and none;
 * a published series with a subscriber.
 */
async function practice(name: string) {
	const person = await signedUpPractitioner(db, name);
	const api = await person.browser.api();
	const client = await makeClient(api, { name: `${name}'s client` });
	// In the past, so that every session may be finished and its note signed.
	const fourWeeksAgo = new Date(Date.now() - 28 * 86_400_000).toISOString().slice(0, 10);
	const { ids: sessionIds } = await makeSessions(api, client.id, {
		date: fourWeeksAgo,
		repeat: 'weekly',
		count: 3
	});
	const sessionId = sessionIds[0]!;
	const { version } = await api.notes.save({
		sessionId,
		template: 'free',
		body: `${name}'s note`,
		baseVersion: 0
	});
	await api.notes.sign({ sessionId, version });
	const draftSessionId = sessionIds[1]!;
	const draft = await api.notes.save({
		sessionId: draftSessionId,
		template: 'free',
		body: `${name}'s draft`,
		baseVersion: 0
	});
	const fiveWeeksAgo = new Date(Date.now() - 35 * 86_400_000).toISOString().slice(0, 10);
	const {
		ids: [noShowSessionId]
	} = await makeSessions(api, client.id, { date: fiveWeeksAgo });
	await api.sessions.setStatus({ id: noShowSessionId!, status: 'no_show', scope: 'this' });
	// Still to come, so that the calendar may move it.
	const {
		ids: [comingSessionId]
	} = await makeSessions(api, client.id, { date: '2097-06-03' });
	const series = await publishedSeries(api, { title: `${name}'s series` });
	await signUpAndConfirm(db, series.slug, 1);
	const [subscriber] = await db
		.select()
		.from(subscribers)
		.where(eq(subscribers.seriesId, series.id));
	const [occurrence] = await firstDates(db, series.id, 1);
	return {
		...person,
		clientId: client.id,
		sessionId,
		draftSessionId,
		draftVersion: draft.version,
		otherSessionId: sessionIds[2]!,
		noShowSessionId: noShowSessionId!,
		comingSessionId: comingSessionId!,
		seriesId: series.id,
		slug: series.slug,
		occurrenceId: occurrence!.id,
		subscriberId: subscriber!.id
	};
}

type Practice = typeof first;

/** A small CSV file as the import procedures take it (base64). */
const CLIENTS_FILE = Buffer.from('Name,Email\nAna,ana@example.com\n').toString('base64');
/** A calendar file with one event, far from every other session here. */
const ONE_EVENT = [
	'BEGIN:VCALENDAR',
	'VERSION:2.0',
	'PRODID:-//test//EN',
	'BEGIN:VEVENT',
	'UID:ownership@example.com',
	'DTSTAMP:20260101T000000Z',
	'DTSTART:20980105T100000Z',
	'DTEND:20980105T110000Z',
	'SUMMARY:Imported',
	'END:VEVENT',
	'END:VCALENDAR',
	''
].join('\r\n');
const ONE_EVENT_KEY = JSON.stringify(['ownership@example.com', null]);

/** A session's fields as the edit form sends them, for `client`. */
const sessionFields = (clientId: string) => ({
	clientId,
	date: '2026-12-15',
	startTime: '11:00',
	durationMinutes: 50,
	timeZone: 'Europe/Berlin',
	locationKind: 'in_person' as const,
	locationDetail: '',
	fee: '80',
	currency: 'EUR'
});

/**
 * How each procedure is held to its owner, one case per procedure:
 * - `foreign`: inputs naming the first practitioner's records, which the second must neither read
 *   nor change. The first input is one the owner may send; later ones mix both practitioners' ids.
 * - `own`: takes no record id and acts only on the signed-in account (the reason is given); its
 *   input is what the signed-out call sends, and a query's answer to the second practitioner must
 *   show nothing of the first one's.
 * - `public`: open to anyone signed out; the reason is given.
 */
type Case =
	| { foreign: (a: Practice, b: Practice) => unknown[] }
	| { own: string; input?: unknown }
	| { public: string };

const cases: Record<string, Case> = {
	'account.me': { own: 'the signed-in account itself' },
	'account.signUp': { public: 'creating an account happens before there is one' },
	'account.verifyEmail': {
		public: 'the emailed link proves who clicked it; it may be opened signed out'
	},
	'account.resendVerification': { own: 'emails the signed-in account its own link' },
	'account.signIn': { public: 'signing in happens signed out' },
	'account.signOut': { own: 'ends the calling sign-in only' },
	'account.signOutOthers': { own: 'ends the caller’s other sign-ins only' },
	'account.requestPasswordReset': { public: 'a forgotten password is asked for signed out' },
	'account.resetPassword': { public: 'the emailed link proves who clicked it' },
	'account.changePassword': {
		own: 'changes the signed-in account’s password',
		input: { currentPassword: 'x', newPassword: 'a brand new passphrase 7' }
	},
	'account.updateProfile': {
		own: 'changes the signed-in account’s profile',
		input: { name: 'x', timeZone: 'UTC', currency: 'EUR' }
	},
	'account.setAppearance': {
		own: 'changes the signed-in account’s colour scheme',
		input: { colorScheme: 'dark' }
	},
	'account.setWorkingHours': {
		own: 'changes the signed-in account’s working hours',
		input: { dayStartsAt: '08:00', dayEndsAt: '18:00' }
	},
	'account.publicPicture': {
		own: 'reads whether the signed-in account has a picture and shows it publicly'
	},
	'account.setPublicPicture': {
		own: 'changes whether the signed-in account’s picture is public',
		input: { pictureOnPublicPages: true }
	},
	'account.authSessions': { own: 'lists the signed-in account’s sign-ins' },
	'account.securityLog': { own: 'lists the signed-in account’s security events' },
	'account.requestEmailChange': {
		own: 'moves the signed-in account to a new address',
		input: { newEmail: 'somewhere@example.com', password: 'x' }
	},
	'account.confirmEmailChange': { public: 'the link emailed to the new address is the proof' },
	'account.googleSignUp': {
		public: 'a new Google user is signed out; the pending sign-in’s secret is the proof'
	},
	'account.google': { own: 'whether the signed-in account has Google linked and a password' },
	'account.unlinkGoogle': { own: 'unlinks the signed-in account’s own Google account' },
	'account.addPassword': {
		own: 'gives the signed-in account a first password',
		input: { newPassword: 'a brand new passphrase 7' }
	},
	'accountData.export': { own: 'the signed-in account’s own data, found from its id' },
	'accountData.deleteAccount': { own: 'deletes the signed-in account', input: { password: 'x' } },

	'clients.list': { own: 'lists the caller’s clients', input: {} },
	'clients.tags': { own: 'the caller’s clients’ tags' },
	'clients.choices': { own: 'the caller’s clients, for pickers' },
	'clients.get': { foreign: (a) => [{ id: a.clientId }] },
	'clients.create': {
		own: 'creates a client of the caller',
		input: { name: 'x', email: '', phone: '', notes: '', tags: '' }
	},
	'clients.update': {
		foreign: (a) => [{ id: a.clientId, name: 'Taken', email: '', phone: '', notes: '', tags: '' }]
	},
	'clients.setArchived': { foreign: (a) => [{ id: a.clientId, archived: true }] },
	'clients.delete': { foreign: (a) => [{ id: a.clientId }] },

	'sessions.agenda': { own: 'the caller’s sessions in a week', input: { date: '2026-12-01' } },
	'sessions.get': { foreign: (a) => [{ id: a.sessionId }] },
	'sessions.create': {
		foreign: (a) => [
			{
				...sessionFields(a.clientId),
				repeat: 'none',
				intervalWeeks: 1,
				repeatEnd: 'count',
				count: 2,
				until: ''
			}
		]
	},
	'sessions.update': {
		// Someone else's session, and one's own session moved onto someone else's client.
		foreign: (a, b) => [
			{ id: a.sessionId, ...sessionFields(a.clientId) },
			{ id: a.sessionId, ...sessionFields(b.clientId) },
			{ id: b.sessionId, ...sessionFields(a.clientId) }
		]
	},
	'sessions.setStatus': {
		foreign: (a) => [
			{ id: a.sessionId, status: 'cancelled', scope: 'this' },
			{ id: a.otherSessionId, status: 'cancelled', scope: 'following' }
		]
	},
	'sessions.setPayment': {
		foreign: (a) => [{ id: a.sessionId, paymentStatus: 'paid', paidOn: '2026-12-02' }]
	},
	'sessions.unpaid': {
		own: 'the caller’s unpaid sessions; another’s client as filter finds none',
		input: {}
	},
	'sessions.markPaid': {
		// Someone else's session alone, and hidden among one's own.
		foreign: (a, b) => [
			{ ids: [a.sessionId], paidOn: '2026-12-02' },
			{ ids: [b.otherSessionId, a.sessionId], paidOn: '2026-12-02' }
		]
	},
	'sessions.start': { foreign: (a) => [{ id: a.otherSessionId }] },
	'sessions.finish': { foreign: (a) => [{ id: a.otherSessionId }] },
	'sessions.delete': { foreign: (a) => [{ id: a.sessionId }] },

	'notes.save': {
		foreign: (a) => [
			{
				sessionId: a.otherSessionId,
				template: 'free',
				body: 'Written by someone else',
				baseVersion: 0
			}
		]
	},
	'notes.sign': { foreign: (a) => [{ sessionId: a.draftSessionId, version: a.draftVersion }] },
	'notes.addAddendum': {
		foreign: (a) => [{ sessionId: a.sessionId, body: 'Added by someone else' }]
	},

	'dashboard.summary': { own: 'the caller’s own figures' },

	'practice.details': { own: 'the signed-in account’s practice details' },
	'practice.saveDetails': {
		own: 'saves the signed-in account’s practice details',
		input: { name: 'Taken', address: '', taxId: '' }
	},
	'statements.get': {
		foreign: (a) => [{ clientId: a.clientId, from: '2026-01-01', to: '2026-12-31' }]
	},
	'billing.policy': { own: 'the caller’s own cancellation policy' },
	'billing.savePolicy': {
		own: 'sets the caller’s own cancellation policy',
		input: {
			noShowBasis: 'percent',
			noShowPercent: 50,
			lateCancelBasis: 'none',
			lateCancelPercent: 0,
			lateCancelWindowHours: 24
		}
	},
	'billing.setCharge': {
		foreign: (a) => [{ id: a.noShowSessionId, basis: 'percent', percent: 50 }]
	},
	'billing.summary': {
		own: 'the caller’s own figures, per client',
		input: { from: '2020-01-01', to: '2029-12-31' }
	},
	'billing.clientSummary': {
		foreign: (a) => [{ clientId: a.clientId, from: '2020-01-01', to: '2029-12-31' }]
	},
	'billing.chart': { own: 'the caller’s own figures' },

	'series.list': { own: 'lists the caller’s series' },
	'series.paymentsBlocked': { own: 'whether the caller’s own account can take payments' },
	'series.get': { foreign: (a) => [{ id: a.seriesId }] },
	'series.create': { own: 'creates a series of the caller', input: seriesInput({ slug: '' }) },
	'series.update': {
		foreign: (a) => [{ id: a.seriesId, fields: seriesInput({ title: 'Taken' }) }]
	},
	'series.setStatus': { foreign: (a) => [{ id: a.seriesId, status: 'archived' }] },
	'series.delete': { foreign: (a) => [{ id: a.seriesId }] },
	'series.cancelOccurrence': { foreign: (a) => [{ occurrenceId: a.occurrenceId }] },
	'series.restoreOccurrence': { foreign: (a) => [{ occurrenceId: a.occurrenceId }] },
	'series.moveOccurrence': {
		foreign: (a) => [{ occurrenceId: a.occurrenceId, date: '2099-12-31', startTime: '09:00' }]
	},

	'imports.preview': {
		own: 'reads the file it is sent; names no record',
		input: { kind: 'clients', file: CLIENTS_FILE }
	},
	'imports.clients': {
		own: 'creates clients of the caller; duplicates are looked for among the caller’s own',
		input: { file: CLIENTS_FILE, mapping: { name: 0, email: 1 }, duplicates: 'merge' }
	},
	'imports.sessions': {
		own: 'creates sessions for the caller’s own clients, matched among them alone',
		input: { file: CLIENTS_FILE, mapping: { clientEmail: 1, startTime: 0 } }
	},
	'exports.clients': { own: 'the caller’s clients (csv-export.test.ts reads the rows)' },
	'exports.sessions': { own: 'the caller’s sessions (csv-export.test.ts reads the rows)' },
	'exports.subscribers': { foreign: (a) => [{ seriesId: a.seriesId }] },

	'subscribers.publicSeries': { public: 'the public signup page of a published series' },
	'subscribers.signUp': { public: 'visitors sign up on the public page without an account' },
	'subscribers.confirm': { public: 'the signed link in the visitor’s email is the proof' },
	'subscribers.manage': { public: 'the signed link in the subscriber’s email is the proof' },
	'subscribers.leave': { public: 'the signed link in the subscriber’s email is the proof' },
	'subscribers.unsubscribe': { public: 'the signed link in the subscriber’s email is the proof' },
	'subscribers.offer': { public: 'the signed link in the waitlist offer email is the proof' },
	'subscribers.payOffer': { public: 'the signed link in the waitlist offer email is the proof' },
	'subscribers.list': { foreign: (a) => [{ seriesId: a.seriesId, q: '' }] },
	'subscribers.mySubscription': {
		public: 'the signed link in the subscriber’s email is the proof'
	},
	'subscribers.paymentPortal': { public: 'the signed link in the subscriber’s email is the proof' },
	'subscribers.setMySubscriptionEnd': {
		public: 'the signed link in the subscriber’s email is the proof'
	},
	// Here a free series' subscriber, who has nothing to end; payments-self-service.test.ts
	// refuses another practitioner's paying one.
	'subscribers.cancelSubscription': { foreign: (a) => [{ id: a.subscriberId }] },
	'subscribers.remove': { foreign: (a) => [{ id: a.subscriberId }] },

	'calendar.feedSettings': { own: 'the caller’s own feed settings' },
	'calendar.issueFeed': { own: 'creates or replaces the caller’s own feed address' },
	'calendar.setFeedNames': { own: 'the caller’s own feed', input: { showFullNames: true } },
	'calendar.feed': {
		public: 'calendar apps send no cookie: the token in the address is the proof'
	},
	'calendar.previewImport': {
		own: 'reads the file against the caller’s clients',
		input: { ics: ONE_EVENT }
	},
	'calendar.importEvents': {
		foreign: (a) => [{ ics: ONE_EVENT, choices: [{ key: ONE_EVENT_KEY, clientId: a.clientId }] }]
	},
	'calendarGrid.range': {
		own: 'the caller’s sessions and group dates of some days',
		input: { from: new Date(Date.now() - 42 * 86_400_000).toISOString().slice(0, 10), days: 42 }
	},
	'calendarGrid.move': {
		foreign: (a) => [{ id: a.comingSessionId, date: '2097-06-10', startTime: '10:00' }]
	},

	'payments.status': { own: 'the caller’s own connected account, found from its id' },
	'payments.connect': { own: 'creates or continues the caller’s own connected account' },
	'payments.refresh': { own: 'reads the caller’s own connected account again' },
	'payments.disconnect': { own: 'forgets the caller’s own connected account' },
	'meetings.joinLink': {
		public:
			'signed out, it leads only a subscriber with a place there, by a key signed for them and the date; else only the owner, signed in'
	},

	'zoom.status': { own: 'the caller’s own Zoom connection, found from their id' },
	'zoom.account': { own: 'asks Zoom with the caller’s own tokens' },
	'zoom.health': { own: 'the caller’s own connection and meetings' },
	'zoom.retryMeetings': {
		own: 'queues again the caller’s own failed meetings, found from their id'
	},
	'zoom.disconnect': { own: 'revokes and forgets the caller’s own Zoom connection' }
};

/** Every row of every table of ours, as text: what "nothing changed" is compared on. */
async function snapshot(): Promise<Record<string, string[]>> {
	const tables = await db.execute<{ name: string }>(sql`
		select table_name as name from information_schema.tables
		where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`);
	const result: Record<string, string[]> = {};
	for (const { name } of tables) {
		const rows = await db.execute<{ row: string }>(
			sql`select row_to_json(t)::text as row from ${sql.identifier(name)} t`
		);
		result[name] = rows.map((r) => r.row).sort();
	}
	return result;
}

type Api = Awaited<ReturnType<TestBrowser['api']>>;

/** Calls a procedure by its dotted path, as the loop over the router knows it. */
function call(api: Api, path: string, input: unknown): Promise<unknown> {
	// The path comes from the router at run time, so the caller's typed shape cannot be used here.
	const procedure = path
		.split('.')
		.reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], api);
	return (procedure as (input: unknown) => Promise<unknown>)(input);
}

/** 'succeeded', or the refusal's code and message, for a readable list of what went wrong. */
function outcomeOf(promise: Promise<unknown>): Promise<string> {
	return promise.then(
		() => 'succeeded',
		(error: unknown) =>
			error instanceof TRPCError ? `${error.code}: ${error.message}` : `threw ${String(error)}`
	);
}

/** Deleting runs last when the owner replays the inputs, the records others hang on last of all. */
const DELETE_ORDER = ['subscribers.remove', 'sessions.delete', 'series.delete', 'clients.delete'];
const replayOrder = (path: string) =>
	/\.(delete|remove)$/.test(path) ? 1 + DELETE_ORDER.indexOf(path) : -1;

// tRPC types `_def.procedures` as the nested routers, but builds it as one map by dotted path.
const byPath = appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>;
const procedures = Object.keys(byPath).sort();
const isQuery = (path: string) => byPath[path]?._def.type === 'query';

beforeAll(async () => {
	({ db } = await useTestDatabase());
	first = await practice('First');
	second = await practice('Second');
});

describe('every procedure is held to its owner', () => {
	it('every procedure of the router has a case here, and every case a procedure', () => {
		expect(procedures.filter((path) => !(path in cases))).toEqual([]);
		expect(Object.keys(cases).filter((path) => !procedures.includes(path))).toEqual([]);
	});

	it('a second practitioner naming the first one’s records is told they do not exist, and nothing changes', async () => {
		const api = await second.browser.api();
		const before = await snapshot();
		const outcomes: [string, string][] = [];
		for (const path of procedures) {
			const rule = cases[path];
			if (!rule || !('foreign' in rule)) continue;
			for (const input of rule.foreign(first, second)) {
				outcomes.push([path, await outcomeOf(call(api, path, input))]);
			}
		}
		expect(outcomes.filter(([, outcome]) => !/^(NOT_FOUND|FORBIDDEN):/.test(outcome))).toEqual([]);
		// Only the caller's own counter of calendar files read goes up: reading comes before the
		// clients named are checked, and a refused import counts against the caller as any other.
		const callersCounter = `${limits.calendarReadPerUser.name}:${hashSecret(second.user.id)}`;
		const after = await snapshot();
		const counted = after.rate_limits!.filter((row) => row.includes(`"${callersCounter}"`));
		expect(counted).toHaveLength(1);
		after.rate_limits = after.rate_limits!.filter((row) => !counted.includes(row));
		expect(after).toEqual(before);
	});

	it('the second practitioner’s own lists show nothing of the first one’s', async () => {
		const api = await second.browser.api();
		const hers = [
			first.clientId,
			first.sessionId,
			first.seriesId,
			first.subscriberId,
			first.email,
			first.user.id
		];
		for (const path of procedures) {
			const rule = cases[path];
			if (!rule || !('own' in rule) || !isQuery(path)) continue;
			const text = JSON.stringify(await call(api, path, rule.input));
			for (const id of hers) expect([path, text.includes(id)]).toEqual([path, false]);
		}
	});

	it('signed out, every procedure but the public ones answers UNAUTHORIZED, and nothing changes', async () => {
		const api = await new TestBrowser(db).api();
		const before = await snapshot();
		const outcomes: [string, string][] = [];
		for (const path of procedures) {
			const rule = cases[path];
			if (!rule || 'public' in rule) continue;
			const inputs = 'foreign' in rule ? rule.foreign(first, second) : [rule.input];
			for (const input of inputs) outcomes.push([path, await outcomeOf(call(api, path, input))]);
		}
		expect(outcomes.filter(([, outcome]) => !outcome.startsWith('UNAUTHORIZED:'))).toEqual([]);
		expect(await snapshot()).toEqual(before);
	});

	it('the owner sending the same inputs succeeds: the refusals were about whose records they are', async () => {
		const api = await first.browser.api();
		const replay = procedures
			.filter((path) => {
				const rule = cases[path];
				return rule && 'foreign' in rule;
			})
			.sort((a, b) => replayOrder(a) - replayOrder(b));
		const outcomes: [string, string][] = [];
		for (const path of replay) {
			const rule = cases[path] as Extract<Case, { foreign: unknown }>;
			const [own] = rule.foreign(first, second);
			outcomes.push([path, await outcomeOf(call(api, path, own))]);
		}
		expect(outcomes.filter(([, outcome]) => outcome !== 'succeeded')).toEqual([]);
	});
});
