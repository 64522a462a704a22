import { eq, sql } from 'drizzle-orm';
import { expect } from 'vitest';
import { validateAuthSessionToken } from '../../../src/lib/server/auth/session';
import { open } from '../../../src/lib/server/crypto';
import type { Database } from '../../../src/lib/server/db';
import { zoomConnections } from '../../../src/lib/server/db/schema';
import * as connectRoute from '../../../src/routes/(app)/settings/integrations/zoom/connect/+server';
import * as callbackRoute from '../../../src/routes/(app)/settings/integrations/zoom/callback/+server';
import * as integrationsPage from '../../../src/routes/(app)/settings/integrations/+page.server';
import type { FakeZoom } from '../../fakes/zoom';
import { signedUpPractitioner, type TestBrowser } from './browser';
import { answerOf, requestEvent } from './routes';
import { consentAtZoom } from './zoom';

export type SignedIn = Awaited<ReturnType<typeof signedInAs>>;

/** Who the request hook would find signed in with this browser's cookie. */
export async function signedInAs(db: Database, browser: TestBrowser) {
	const validated = await validateAuthSessionToken(db, browser.token!, browser.client);
	return { user: validated!.user, authSession: validated!.session };
}

const STATE_COOKIE = 'zoom_oauth';

/** Presses Connect Zoom: where the browser is sent, and the state cookie it is given. */
export async function startConnect(signedIn: SignedIn | undefined) {
	const event = requestEvent({ path: '/settings/integrations/zoom/connect', signedIn });
	const answer = await answerOf(() => connectRoute.GET(event as never));
	return { answer, cookie: event.cookies.get(STATE_COOKIE) };
}

/**
 * Zoom sends the browser back to `callbackUrl`; the browser carries `cookie` (the state cookie
 * it was given, or none). Answers where the app sends it next, and whether the cookie is gone.
 */
export async function returnFromZoom(
	signedIn: SignedIn | undefined,
	callbackUrl: string,
	cookie: string | undefined
) {
	const url = new URL(callbackUrl);
	const event = requestEvent({ path: url.pathname + url.search, signedIn });
	if (cookie !== undefined) event.cookies.set(STATE_COOKIE, cookie, { path: '/' });
	const answer = await answerOf(() => callbackRoute.GET(event as never));
	return {
		answer,
		outcome: new URL(answer.location ?? '/', 'http://x').searchParams.get('zoom'),
		cookieAfter: event.cookies.get(STATE_COOKIE)
	};
}

/** The whole connect flow through the fake's consent page, as `zoomUserId` at Zoom. */
export async function connectThroughZoom(
	signedIn: SignedIn,
	options: { zoomUserId?: string } = {}
) {
	const { answer, cookie } = await startConnect(signedIn);
	expect(answer.status).toBe(303);
	const back = await consentAtZoom(answer.location!, { userId: options.zoomUserId });
	return { ...(await returnFromZoom(signedIn, back.callbackUrl, cookie)), back, cookie };
}

/** A practitioner who connected Zoom (as the fake's first user unless told otherwise). */
export async function zoomPractitioner(
	db: Database,
	fake: FakeZoom,
	options: { zoomUserId?: string } = {}
) {
	const person = await signedUpPractitioner(db);
	const signedIn = await signedInAs(db, person.browser);
	const { outcome } = await connectThroughZoom(signedIn, options);
	expect(outcome).toBe('connected');
	return {
		...person,
		signedIn,
		zoomUser: fake.users.get(options.zoomUserId ?? fake.user.id)!,
		tokens: await storedTokens(db, person.user.id)
	};
}

/** The tokens kept for a practitioner, opened (under the keys of now). */
export async function storedTokens(db: Database, userId: string) {
	const [row] = await db.select().from(zoomConnections).where(eq(zoomConnections.userId, userId));
	if (!row) return null;
	return {
		row,
		accessToken: open(row.accessToken, userId),
		refreshToken: open(row.refreshToken, userId)
	};
}

/** Shows Settings → Integrations to the practitioner: what its load hands the page. */
export async function integrationsPageData(signedIn: SignedIn, query = '') {
	const answer = await answerOf(() =>
		integrationsPage.load(
			requestEvent({ path: `/settings/integrations${query}`, signedIn }) as never
		)
	);
	// The Zoom account is streamed to the page: here it is waited for, as the page waits.
	const data = answer.data as { account?: unknown } | undefined;
	if (data) data.account = await data.account;
	return answer;
}

/**
 * Every row of every table of ours, in every schema (the job queue's too), as text: where a
 * secret kept in any column, in any table, would show.
 */
export async function everyTableAsText(db: Database): Promise<string> {
	const tables = await db.execute<{ name: string }>(sql`
		select format('%I.%I', n.nspname, c.relname) as name
		from pg_class c join pg_namespace n on n.oid = c.relnamespace
		where c.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema')
			and n.nspname not like 'pg\\_%'`);
	const parts: string[] = [];
	for (const { name } of tables) {
		const rows = await db.execute<{ row: string }>(
			sql`select row_to_json(t)::text as row from ${sql.raw(name)} t`
		);
		parts.push(...rows.map((r) => `${name} ${r.row}`));
	}
	return parts.join('\n');
}

/**
 * That no part of `secret` (any 12 characters of it in a row), in any of the usual encodings, is
 * in `text`.
 */
export function expectNowhere(text: string, secret: string, what: string): void {
	const forms = [
		secret,
		Buffer.from(secret).toString('base64'),
		Buffer.from(secret).toString('hex')
	];
	const found: string[] = [];
	for (const form of forms) {
		for (let i = 0; i + 12 <= form.length; i += 1) {
			const piece = form.slice(i, i + 12);
			if (text.includes(piece)) found.push(piece);
		}
	}
	expect(found, `${what} found in the database`).toEqual([]);
}
