import type { RequestEvent } from '@sveltejs/kit';
import { TRPCError, type AnyProcedure } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import fc from 'fast-check';
import { inspect } from 'node:util';
import { beforeAll, describe, it } from 'vitest';
import { z } from 'zod';
import { validateAuthSessionToken } from '../../src/lib/server/auth/session';
import type { Database } from '../../src/lib/server/db';
import type { AuthSession } from '../../src/lib/server/db/schema';
import { subscriberLinks } from '../../src/lib/server/subscribers/service';
import { appRouter, createCaller } from '../../src/lib/server/trpc/router';
import * as billingPage from '../../src/routes/(app)/billing/+page.server';
import * as clientsPage from '../../src/routes/(app)/clients/+page.server';
import * as statementChoicePage from '../../src/routes/(app)/billing/statements/+page.server';
import * as statementPage from '../../src/routes/(app)/billing/statements/[clientId]/+page.server';
import * as statementPdfRoute from '../../src/routes/(app)/billing/statements/[clientId]/statement.pdf/+server';
import * as unpaidPage from '../../src/routes/(app)/billing/unpaid/+page.server';
import * as sessionsPage from '../../src/routes/(app)/sessions/+page.server';
import * as practiceDetailsPage from '../../src/routes/(app)/settings/practice/+page.server';
import * as newSessionPage from '../../src/routes/(app)/sessions/new/+page.server';
import * as confirmEmail from '../../src/routes/(auth)/confirm-email/+page.server';
import * as forgotPassword from '../../src/routes/(auth)/forgot-password/+page.server';
import * as resetPassword from '../../src/routes/(auth)/reset-password/+page.server';
import * as signIn from '../../src/routes/(auth)/sign-in/+page.server';
import * as signUpPage from '../../src/routes/(auth)/sign-up/+page.server';
import * as verifyEmail from '../../src/routes/(auth)/verify-email/+page.server';
import * as managePage from '../../src/routes/m/[token]/+page.server';
import * as seriesPage from '../../src/routes/s/[slug]/+page.server';
import * as confirmPage from '../../src/routes/s/[slug]/confirm/[token]/+page.server';
import * as unsubscribePage from '../../src/routes/u/[token]/+page.server';
import * as calendarFeed from '../../src/routes/calendar/[token].ics/+server';
import * as calendarSettings from '../../src/routes/(app)/settings/calendar/+page.server';
import * as integrationsPage from '../../src/routes/(app)/settings/integrations/+page.server';
import * as zoomCallback from '../../src/routes/(app)/settings/integrations/zoom/callback/+server';
import { ORIGIN, signedUpPractitioner, STRONG_PASSWORD } from './support/browser';
import { useTestDatabase } from './support/database';
import { makeClient, makeSessions } from './support/practice';
import { answerOf, requestEvent } from './support/routes';
import { publishedSeries, signUp } from './support/series';
import { icsFixture, tokenOf as feedTokenOf } from './support/calendar';

/**
 * No input, however hostile, makes the server answer 5xx: every tRPC procedure (found in the
 * router, so a new one is driven from the day it is written) and every public page's form, query
 * and address gets well-formed input with one value swapped for a hostile one. A 5xx here means a
 * value got past validation that the database or the code could not take.
 */

/** Random inputs per procedure or page, besides EACH_FIELD in each field (examples count as runs). */
const RUNS = 10;

/** Tried in every field of every input, besides the random ones. */
const EACH_FIELD: unknown[] = [
	'x\u0000y',
	'a\uD800',
	'2024-02-30',
	'US/Pacific-New',
	'/\r\nSet-Cookie: x=1',
	'x'.repeat(100_000),
	2 ** 53
];

const POISONED = [
	'x\u0000y',
	'\u0000',
	'a\uD800',
	'\uDFFFz',
	'😀\uD83D',
	'2024-02-30',
	'2023-02-29',
	'0000-01-01',
	'1000-01-01',
	'9999-12-31',
	'+275760-09-13',
	'US/Pacific-New',
	'Mars/Olympus',
	'localtime',
	'Factory',
	'',
	' ',
	'-1',
	'1e400',
	'NaN',
	'99999999999999999999',
	'/\r\nSet-Cookie: x=1',
	'/\u0000',
	'/\t/evil.test',
	'//evil.test',
	'javascript:alert(1)',
	"' or 1=1 --",
	'%00',
	'%',
	'00000000-0000-0000-0000-000000000000',
	Buffer.from('["x","not-a-uuid"]').toString('base64url'),
	Buffer.from('["x\\u0000","00000000-0000-0000-0000-000000000000"]').toString('base64url'),
	Buffer.from('[1,2]').toString('base64url'),
	'x'.repeat(100_000)
];

/** Any UTF-16 code unit, NUL and lone surrogates included. */
const codeUnits = fc.string({
	unit: fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit)),
	maxLength: 12
});

const hostileString = fc.oneof(fc.constantFrom(...POISONED), codeUnits);

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
	{ weight: 4, arbitrary: hostileString },
	fc.constantFrom(null, undefined, true, 0, -1, 1.5, NaN, Infinity, -Infinity),
	fc.constantFrom(2 ** 31, 2 ** 53, -(2 ** 53), Number.MAX_VALUE, 1e-300),
	fc.integer(),
	fc.bigInt(),
	fc.array(hostileString, { maxLength: 3 }),
	fc.dictionary(fc.string({ maxLength: 5 }), hostileString, { maxKeys: 3 })
);

/** Real values of the fixtures below, by field name, so that the other fields pass validation. */
const known: Record<string, string[]> = {};

function plainString(key: string, scope: string): fc.Arbitrary<string> {
	const real = known[`${scope}.${key}`] ?? known[key];
	if (real) return fc.constantFrom(...real);
	if (/date|until|paidOn/i.test(key)) return fc.constantFrom('2030-01-07', '2026-12-01');
	if (key === 'from') return fc.constantFrom('2026-01-01', '2026-12-01');
	if (key === 'to') return fc.constantFrom('2026-12-31', '2030-01-07');
	if (key === 'month') return fc.constantFrom('2026-03', '2026-12');
	if (key === 'quarter') return fc.constantFrom('2026-Q1', '2026-Q4');
	if (key === 'year') return fc.constantFrom('2026', '2030');
	if (/time$/i.test(key)) return fc.constantFrom('09:00', '18:30');
	if (key === 'dayStartsAt') return fc.constant('08:00');
	if (key === 'dayEndsAt') return fc.constant('18:00');
	if (/timeZone/.test(key)) return fc.constantFrom('Europe/Berlin', 'UTC', 'America/New_York');
	if (/currency/.test(key)) return fc.constantFrom('EUR', 'USD');
	if (/fee/.test(key)) return fc.constantFrom('60', '0');
	if (key === 'price') return fc.constantFrom('12', '12.50');
	if (/password/i.test(key)) return fc.constant(STRONG_PASSWORD);
	if (/phone/.test(key)) return fc.constantFrom('', '+49 30 1234567');
	if (/locationDetail/.test(key)) return fc.constant('https://meet.example.com/room');
	if (/^(slug|q|tag|website)$/.test(key)) return fc.constant('');
	return fc.constantFrom('Ana', 'Studio 2, Hauptstraße 5', 'Gentle **flow**, then rest.');
}

type Schema = z.core.$ZodType;
const defOf = (schema: Schema) => schema._zod.def as unknown as Record<string, unknown>;

/** A value the schema takes (most of the time: refinements across fields are not modelled). */
function plausible(schema: Schema, scope: string, key = ''): fc.Arbitrary<unknown> {
	const def = defOf(schema);
	switch (def.type) {
		case 'object': {
			const shape = def.shape as Record<string, Schema>;
			return fc.record(
				Object.fromEntries(Object.entries(shape).map(([k, s]) => [k, plausible(s, scope, k)]))
			);
		}
		case 'optional':
		case 'default':
		case 'prefault':
		case 'nullable':
			return plausible(def.innerType as Schema, scope, key);
		case 'pipe':
			return plausible(def.out as Schema, scope, key);
		case 'union':
			return fc.oneof(...(def.options as Schema[]).map((option) => plausible(option, scope, key)));
		case 'array':
			return fc.array(plausible(def.element as Schema, scope, key), { minLength: 1, maxLength: 3 });
		case 'enum':
			return fc.constantFrom(...Object.values(def.entries as Record<string, string>));
		case 'literal':
			return fc.constantFrom(...(def.values as unknown[]));
		case 'boolean':
			return fc.boolean();
		case 'number':
			return fc.integer({ min: 1, max: 12 });
		case 'string':
			if (def.format === 'uuid') {
				return fc.constantFrom(...(known[key] ?? known[`${scope}.${key}`] ?? known.id!));
			}
			if (def.format === 'email') return fc.constantFrom(...known.email!);
			return plainString(key, scope);
		default:
			return fc.anything();
	}
}

/** A plausible value with one part of it, at any depth, replaced by a hostile one. */
function hostile(schema: Schema | undefined, scope: string, key = ''): fc.Arbitrary<unknown> {
	if (!schema) return hostileValue;
	const def = defOf(schema);
	switch (def.type) {
		case 'object': {
			const shape = def.shape as Record<string, Schema>;
			return fc.oneof(
				hostileValue,
				...Object.entries(shape).map(([k, s]) =>
					fc.tuple(plausible(schema, scope), hostile(s, scope, k)).map(([value, bad]) => ({
						...(value as object),
						[k]: bad
					}))
				)
			);
		}
		case 'optional':
		case 'default':
		case 'prefault':
		case 'nullable':
			return hostile(def.innerType as Schema, scope, key);
		case 'pipe':
			return hostile(def.out as Schema, scope, key);
		case 'string':
			// A value that passes every other check, with a NUL or a lone surrogate inside.
			return fc.oneof(
				hostileValue,
				fc
					.tuple(plausible(schema, scope, key), fc.constantFrom('\u0000', '\uD800', '\uDC00'))
					.map(([value, bad]) => `${String(value)}${bad}`)
			);
		default:
			return hostileValue;
	}
}

let db: Database;
let signedIn: { user: NonNullable<RequestEvent['locals']['user']>; authSession: AuthSession };
let visitors = 0;

beforeAll(async () => {
	({ db } = await useTestDatabase());
	const practitioner = await signedUpPractitioner(db);
	const browserApi = await practitioner.browser.api();
	const client = await makeClient(browserApi);
	const [sessionId] = (await makeSessions(browserApi, client.id)).ids;
	const series = await publishedSeries(browserApi);
	const { occurrences } = await browserApi.series.get({ id: series.id });
	const { token: confirmToken } = await signUp(db, series.slug, 1);
	const [subscriber] = await browserApi.subscribers.list({ seriesId: series.id, q: '' });
	const links = await subscriberLinks(db, ORIGIN, subscriber!.id);
	const tokenOf = (url: string) => url.slice(url.lastIndexOf('/') + 1);
	await makeClient(browserApi, { name: 'Zed' });
	const page1 = await browserApi.clients.list({ limit: 1 });

	// Ids by field name, and `id` by the router it goes to, so that ownership checks pass and the
	// hostile value reaches as far as it can.
	Object.assign(known, {
		id: [client.id, sessionId!, series.id, occurrences[0]!.id, subscriber!.id],
		clientId: [client.id],
		sessionId: [sessionId!],
		seriesId: [series.id],
		occurrenceId: [occurrences[0]!.id],
		'clients.id': [client.id],
		'sessions.id': [sessionId!],
		'calendarGrid.id': [sessionId!],
		'sessions.ids': [sessionId!],
		'series.id': [series.id],
		'subscribers.id': [subscriber!.id],
		'subscribers.slug': [series.slug],
		email: [practitioner.email, 'someone@example.com'],
		newEmail: ['moved@example.com'],
		token: [confirmToken, tokenOf(links.manageUrl), tokenOf(links.unsubscribeUrl)],
		// A wrong one: the right one would delete the account the other procedures are driven with.
		'accountData.password': ['not the password, kept apart'],
		cursor: [page1.nextCursor!],
		file: [Buffer.from('Name,Email\nAna,ana@example.com\n').toString('base64')],
		'calendar.token': [feedTokenOf((await browserApi.calendar.issueFeed()).url)],
		ics: [icsFixture('outlook')]
	});

	const validated = await validateAuthSessionToken(
		db,
		practitioner.browser.token!,
		practitioner.browser.client
	);
	signedIn = { user: validated!.user, authSession: validated!.session };
});

/**
 * The practitioner's context, from an address of its own (rate limits per address would soon
 * answer everything with 429). Built from the sign-in found once, so that a fuzzed sign-out does
 * not end the fuzzing.
 */
function callerWithOwnAddress() {
	visitors += 1;
	return createCaller({
		db,
		...signedIn,
		client: {
			ip: `10.${(visitors >> 16) & 255}.${(visitors >> 8) & 255}.${visitors & 255}`,
			userAgent: 'Fuzzer'
		},
		origin: ORIGIN,
		authCookie: { set: () => {}, clear: () => {} }
	});
}

// At run time a flat record of every procedure by its dotted path; its type says otherwise.
const procedures = Object.entries(
	appRouter._def.procedures as unknown as Record<string, AnyProcedure>
);

describe('every tRPC procedure', () => {
	it.each(procedures)('%s answers hostile input without a 5xx', async (path, procedure) => {
		const schema = procedure._def.inputs[0] as Schema | undefined;
		const scope = path.split('.')[0]!;
		// Each example is a valid input with one field made hostile, so that it is that field's
		// value, not a mistake elsewhere, that meets the validation (and the database).
		const valid = schema
			? fc.sample(plausible(schema, scope), 100).find((value) => z.safeParse(schema, value).success)
			: undefined;
		if (schema && valid === undefined) {
			throw new Error(`No valid input found for ${path}: teach plainString its fields.`);
		}
		const examples = schema ? withEachField(valid) : [];
		await fc.assert(
			fc.asyncProperty(hostile(schema, scope), async (input) => {
				const caller = callerWithOwnAddress() as unknown as Record<string, unknown>;
				const call = path
					.split('.')
					.reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], caller);
				try {
					await (call as (input: unknown) => Promise<unknown>)(input);
				} catch (error) {
					if (!(error instanceof TRPCError) || getHTTPStatusCodeFromError(error) >= 500) {
						throw new Error(
							`${path} failed with ${inspect(error, { depth: 1 }).slice(0, 500)} for ${inspect(input).slice(0, 300)}`
						);
					}
				}
			}),
			{ numRuns: RUNS + examples.length, examples: examples.map((input) => [input]) }
		);
	});
});

/** The value with each of EACH_FIELD in each of its fields in turn, at any depth. */
function withEachField(value: unknown): unknown[] {
	if (!value || typeof value !== 'object' || Array.isArray(value)) return EACH_FIELD;
	return Object.entries(value).flatMap(([key, inner]) =>
		withEachField(inner).map((bad) => ({ ...value, [key]: bad }))
	);
}

type Handler = (event: never) => unknown;

/** One public entry: which of its parts are fields, query parameters or parts of the address. */
type Entry = {
	name: string;
	path: (params: Record<string, string>) => string;
	handler: Handler;
	params?: string[];
	query?: string[];
	form?: string[];
	checkbox?: string[];
	signedIn?: boolean;
};

const entries: Entry[] = [
	{
		name: 'sign-in page',
		path: () => '/sign-in',
		handler: signIn.load,
		query: ['redirectTo', 'reason']
	},
	{
		name: 'sign-in page, signed in',
		path: () => '/sign-in',
		handler: signIn.load,
		query: ['redirectTo'],
		signedIn: true
	},
	{
		name: 'sign-in form',
		path: () => '/sign-in',
		handler: signIn.actions.default!,
		query: ['redirectTo'],
		form: ['email', 'password']
	},
	{
		name: 'sign-up form',
		path: () => '/sign-up',
		handler: signUpPage.actions.default!,
		form: ['name', 'email', 'password', 'timeZone'],
		checkbox: ['ageConfirmed']
	},
	{
		name: 'forgot-password form',
		path: () => '/forgot-password',
		handler: forgotPassword.actions.default!,
		form: ['email']
	},
	{
		name: 'reset-password page',
		path: () => '/reset-password',
		handler: resetPassword.load,
		query: ['token']
	},
	{
		name: 'reset-password form',
		path: () => '/reset-password',
		handler: resetPassword.actions.default!,
		form: ['token', 'password']
	},
	{
		name: 'verify-email page',
		path: () => '/verify-email',
		handler: verifyEmail.load,
		query: ['token']
	},
	{
		name: 'confirm-email page',
		path: () => '/confirm-email',
		handler: confirmEmail.load,
		query: ['token']
	},
	{
		name: 'confirm-email form',
		path: () => '/confirm-email',
		handler: confirmEmail.actions.default!,
		form: ['token']
	},
	{
		name: 'verify-email form',
		path: () => '/verify-email',
		handler: verifyEmail.actions.default!,
		form: ['token']
	},
	{ name: 'series page', path: (p) => `/s/${p.slug}`, handler: seriesPage.load, params: ['slug'] },
	{
		name: 'series signup form',
		path: (p) => `/s/${p.slug}`,
		handler: seriesPage.actions.default!,
		params: ['slug'],
		form: ['name', 'email', 'phone', 'website'],
		checkbox: ['consent']
	},
	{
		name: 'confirmation page',
		path: (p) => `/s/${p.slug}/confirm/${p.token}`,
		handler: confirmPage.load,
		params: ['slug', 'token']
	},
	{
		name: 'confirmation button',
		path: (p) => `/s/${p.slug}/confirm/${p.token}`,
		handler: confirmPage.actions.default!,
		params: ['slug', 'token']
	},
	{
		name: 'manage page',
		path: (p) => `/m/${p.token}`,
		handler: managePage.load,
		params: ['token']
	},
	{
		name: 'manage page: leave',
		path: (p) => `/m/${p.token}`,
		handler: managePage.actions.leave!,
		params: ['token']
	},
	{
		name: 'manage page: unsubscribe',
		path: (p) => `/m/${p.token}`,
		handler: managePage.actions.unsubscribe!,
		params: ['token']
	},
	{
		name: 'manage page: payment portal',
		path: (p) => `/m/${p.token}`,
		handler: managePage.actions.portal!,
		params: ['token']
	},
	{
		name: 'manage page: cancel subscription',
		path: (p) => `/m/${p.token}`,
		handler: managePage.actions.endSubscription!,
		params: ['token']
	},
	{
		name: 'manage page: keep subscription',
		path: (p) => `/m/${p.token}`,
		handler: managePage.actions.keepSubscription!,
		params: ['token']
	},
	{
		name: 'unsubscribe button',
		path: (p) => `/u/${p.token}`,
		handler: unsubscribePage.actions.default!,
		params: ['token']
	},
	{
		name: 'calendar feed',
		path: (p) => `/calendar/${p.token}.ics`,
		handler: calendarFeed.GET,
		params: ['token']
	},
	{
		name: 'calendar import preview',
		path: () => '/settings/calendar',
		handler: calendarSettings.actions.preview!,
		form: ['ics'],
		signedIn: true
	},
	{
		name: 'integrations page',
		path: () => '/settings/integrations',
		handler: integrationsPage.load,
		query: ['zoom', 'ref'],
		signedIn: true
	},
	{
		name: 'Zoom’s return to the app',
		path: () => '/settings/integrations/zoom/callback',
		handler: zoomCallback.GET,
		query: ['code', 'state', 'error'],
		signedIn: true
	},
	{
		name: 'client list',
		path: () => '/clients',
		handler: clientsPage.load,
		query: ['q', 'tag', 'show', 'cursor'],
		signedIn: true
	},
	{
		name: 'agenda',
		path: () => '/sessions',
		handler: sessionsPage.load,
		query: ['date', 'view'],
		signedIn: true
	},
	{
		name: 'billing page',
		path: () => '/billing',
		handler: billingPage.load,
		query: ['period', 'from', 'to', 'client'],
		signedIn: true
	},
	{
		name: 'new session page',
		path: () => '/sessions/new',
		handler: newSessionPage.load,
		query: ['clientId', 'date'],
		signedIn: true
	},
	{
		name: 'practice details form',
		path: () => '/settings/practice',
		handler: practiceDetailsPage.actions.details!,
		form: ['name', 'address', 'taxId'],
		signedIn: true
	},
	{
		name: 'public picture form',
		path: () => '/settings/practice',
		handler: practiceDetailsPage.actions.picture!,
		form: ['pictureOnPublicPages'],
		signedIn: true
	},
	{
		name: 'statement choice form',
		path: () => '/billing/statements',
		handler: statementChoicePage.actions.default!,
		form: ['clientId', 'period', 'month', 'quarter', 'year', 'from', 'to'],
		signedIn: true
	},
	{
		name: 'statement page',
		path: (p) => `/billing/statements/${p.clientId}`,
		handler: statementPage.load,
		params: ['clientId'],
		query: ['from', 'to'],
		signedIn: true
	},
	{
		name: 'statement PDF',
		path: (p) => `/billing/statements/${p.clientId}/statement.pdf`,
		handler: statementPdfRoute.GET,
		params: ['clientId'],
		query: ['from', 'to'],
		signedIn: true
	},
	{
		name: 'unpaid sessions page',
		path: () => '/billing/unpaid',
		handler: unpaidPage.load,
		query: ['client'],
		signedIn: true
	},
	{
		name: 'mark paid form',
		path: () => '/billing/unpaid',
		handler: unpaidPage.actions.default!,
		form: ['ids', 'paidOn'],
		signedIn: true
	}
];

/** Plausible text for a page's part, by its name. */
function plausibleText(key: string): fc.Arbitrary<string> {
	if (key === 'redirectTo') return fc.constantFrom('/clients', '/sessions?date=2030-01-07');
	if (key === 'clientId' || key === 'client') return fc.constantFrom(...known.clientId!);
	if (key === 'ids') return fc.constantFrom(...known.sessionId!);
	if (key === 'period') return fc.constantFrom('month', 'quarter', 'year', 'custom');
	if (key === 'show') return fc.constantFrom('active', 'all');
	if (key === 'view') return fc.constantFrom('day', 'week');
	return plainString(key, 'subscribers');
}

/** Every part plausible but one, which is hostile text (forms and addresses carry only text). */
function requestParts(entry: Entry) {
	return fc
		.tuple(plausibleParts(entry), fc.constantFrom(...partsOf(entry)), hostileString)
		.map(([parts, key, bad]) => ({ ...parts, [key]: bad }));
}

const partsOf = (entry: Entry) => [
	...(entry.params ?? []),
	...(entry.query ?? []),
	...(entry.form ?? []),
	...(entry.checkbox ?? [])
];

function plausibleParts(entry: Entry): fc.Arbitrary<Record<string, string>> {
	return fc.record(
		Object.fromEntries(
			partsOf(entry).map((key) => [
				key,
				entry.checkbox?.includes(key) ? fc.constant('on') : plausibleText(key)
			])
		)
	);
}

function pick(parts: Record<string, string>, keys: string[] = []) {
	return Object.fromEntries(keys.map((key) => [key, parts[key]!]));
}

describe('every public page', () => {
	it.each(entries.map((entry) => [entry.name, entry] as const))(
		'%s answers hostile input without a 5xx',
		async (_, entry) => {
			const keys = partsOf(entry);
			const plain = fc.sample(plausibleParts(entry), 1)[0]!;
			const examples = keys.flatMap((key) =>
				EACH_FIELD.map((bad) => [{ ...plain, [key]: String(bad) }] as [Record<string, string>])
			);
			await fc.assert(
				fc.asyncProperty(requestParts(entry), async (parts) => {
					const params = pick(parts, entry.params);
					const query = new URLSearchParams(pick(parts, entry.query));
					const form =
						entry.form || entry.checkbox
							? pick(parts, [...(entry.form ?? []), ...(entry.checkbox ?? [])])
							: undefined;
					const event = requestEvent({
						path: `${entry.path(params)}?${query}`,
						params,
						form,
						signedIn: entry.signedIn ? signedIn : undefined
					});
					const answer = await answerOf(() => entry.handler(event as never));
					if (answer.status >= 500) {
						throw new Error(
							`${entry.name} answered ${answer.status} (${inspect(answer.error, { depth: 1 }).slice(0, 500)}) for ${inspect(parts).slice(0, 300)}`
						);
					}
				}),
				{ numRuns: RUNS + examples.length, examples }
			);
		}
	);
});
