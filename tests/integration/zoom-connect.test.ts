/**
 * Connecting Zoom (Settings → Integrations) through the fake Zoom's consent page: state and PKCE,
 * tokens sealed at rest, the Zoom account shown but never stored.
 */
import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { Database } from '../../src/lib/server/db';
import { securityEvents, zoomConnections } from '../../src/lib/server/db/schema';
import type { FakeZoom } from '../fakes/zoom';
import { signedUpPractitioner, TestBrowser } from './support/browser';
import { useTestDatabase } from './support/database';
import { consentAtZoom, useZoom } from './support/zoom';
import {
	connectThroughZoom,
	everyTableAsText,
	expectNowhere,
	integrationsPageData,
	returnFromZoom,
	signedInAs,
	startConnect,
	storedTokens,
	zoomPractitioner
} from './support/zoom-connection';

let db: Database;
let fake: FakeZoom;

beforeAll(async () => {
	({ db } = await useTestDatabase());
	({ fake } = await useZoom());
});

async function practitioner() {
	const person = await signedUpPractitioner(db);
	return { ...person, signedIn: await signedInAs(db, person.browser) };
}

const connectionOf = async (userId: string) =>
	(await db.select().from(zoomConnections).where(eq(zoomConnections.userId, userId)))[0];

describe('connecting Zoom', () => {
	it('sends the practitioner to Zoom with a fresh state and an S256 PKCE challenge, in a cookie bound to their sign-in', async () => {
		const { signedIn } = await practitioner();
		const first = await startConnect(signedIn);
		const second = await startConnect(signedIn);
		expect(first.answer.status).toBe(303);
		const url = new URL(first.answer.location!);
		expect(url.origin + url.pathname).toBe(`${fake.url}/oauth/authorize`);
		expect(url.searchParams.get('code_challenge_method')).toBe('S256');
		expect(url.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
		expect(url.searchParams.get('state')).toMatch(/^[\w-]{43}$/);
		expect(url.searchParams.get('redirect_uri')).toBe(
			'http://sessionboard.test/settings/integrations/zoom/callback'
		);
		const again = new URL(second.answer.location!);
		expect(again.searchParams.get('state')).not.toBe(url.searchParams.get('state'));
		// Neither the state nor the verifier can be read from the cookie.
		expect(first.cookie).toMatch(/^v1\./);
		expect(first.cookie).not.toContain(url.searchParams.get('state'));
	});

	it('keeps the tokens only sealed: no piece of either is in any table, and they work at Zoom', async () => {
		const person = await zoomPractitioner(db, fake);
		expect(fake.tokenState(person.tokens!.accessToken)).toBe('live');
		expect(fake.tokenState(person.tokens!.refreshToken)).toBe('live');
		expect(person.tokens!.row.zoomUserId).toBe(fake.user.id);
		const dump = await everyTableAsText(db);
		expectNowhere(dump, person.tokens!.accessToken, 'the access token');
		expectNowhere(dump, person.tokens!.refreshToken, 'the refresh token');
		const [logged] = await db
			.select()
			.from(securityEvents)
			.where(
				and(eq(securityEvents.userId, person.user.id), eq(securityEvents.kind, 'zoom_connected'))
			);
		expect(logged).toBeDefined();
	});

	it('shows the Zoom account’s name and email on the settings page without storing either', async () => {
		const zoomUser = fake.addUser({
			display_name: 'Quillon Zephyrine',
			email: 'quillon.zephyrine@zoom-user.test'
		});
		const person = await zoomPractitioner(db, fake, { zoomUserId: zoomUser.id });
		const page = await integrationsPageData(person.signedIn);
		expect(page.status).toBe(200);
		expect(page.data).toMatchObject({
			account: { displayName: 'Quillon Zephyrine', email: 'quillon.zephyrine@zoom-user.test' }
		});
		const dump = (await everyTableAsText(db)).toLowerCase();
		expect(dump).not.toContain('quillon');
		expect(dump).not.toContain('zephyrine');
	});

	it('says so on the page, without failing it, when Zoom cannot tell whose account it is', async () => {
		const person = await zoomPractitioner(db, fake);
		fake.failNext('GET', '/v2/users/me', { status: 503 });
		const page = await integrationsPageData(person.signedIn);
		expect(page.status).toBe(200);
		expect(page.data).toMatchObject({ account: null, status: { connection: { problem: null } } });
	});

	it('reconnecting replaces the tokens and clears a problem', async () => {
		const person = await zoomPractitioner(db, fake);
		await db
			.update(zoomConnections)
			.set({ problem: 'refresh_refused', problemAt: new Date() })
			.where(eq(zoomConnections.userId, person.user.id));
		const { outcome } = await connectThroughZoom(person.signedIn);
		expect(outcome).toBe('connected');
		const after = await storedTokens(db, person.user.id);
		expect(after!.row.problem).toBeNull();
		expect(after!.accessToken).not.toBe(person.tokens!.accessToken);
		expect(after!.refreshToken).not.toBe(person.tokens!.refreshToken);
	});
});

describe('the callback refuses what this browser did not start', () => {
	it('refuses a callback without the state cookie, or without a state', async () => {
		const { signedIn, user } = await practitioner();
		const { answer, cookie } = await startConnect(signedIn);
		const back = await consentAtZoom(answer.location!);
		expect((await returnFromZoom(signedIn, back.callbackUrl, undefined)).outcome).toBe('missing');
		const withoutState = new URL(back.callbackUrl);
		withoutState.searchParams.delete('state');
		expect((await returnFromZoom(signedIn, withoutState.href, cookie)).outcome).toBe('missing');
		expect(await connectionOf(user.id)).toBeUndefined();
	});

	it('refuses another user’s state, and another browser’s of the same user', async () => {
		const victim = await practitioner();
		const attacker = await practitioner();
		// The attacker starts a flow and consents with their own Zoom, then gets the victim's
		// browser to open the callback: the victim's browser has no cookie for that state.
		const theirs = await startConnect(attacker.signedIn);
		const back = await consentAtZoom(theirs.answer.location!);
		const ownCookie = (await startConnect(victim.signedIn)).cookie;
		expect((await returnFromZoom(victim.signedIn, back.callbackUrl, ownCookie)).outcome).toBe(
			'foreign'
		);
		// Even with the attacker's cookie copied over, it is bound to the attacker's sign-in.
		expect((await returnFromZoom(victim.signedIn, back.callbackUrl, theirs.cookie)).outcome).toBe(
			'foreign'
		);
		// The same user in another browser (another sign-in).
		const otherBrowser = new TestBrowser(db);
		await (
			await otherBrowser.api()
		).account.signIn({ email: victim.email, password: victim.password });
		const elsewhere = await signedInAs(db, otherBrowser);
		const mine = await startConnect(victim.signedIn);
		const myBack = await consentAtZoom(mine.answer.location!);
		expect((await returnFromZoom(elsewhere, myBack.callbackUrl, mine.cookie)).outcome).toBe(
			'foreign'
		);
		expect(await connectionOf(victim.user.id)).toBeUndefined();
		expect(await connectionOf(attacker.user.id)).toBeUndefined();
	});

	it('refuses a state used once already', async () => {
		const { signedIn, user } = await practitioner();
		const first = await connectThroughZoom(signedIn);
		expect(first.outcome).toBe('connected');
		const before = await storedTokens(db, user.id);
		// The same answer again, with the cookie the browser had (a replay).
		const replay = await returnFromZoom(signedIn, first.back.callbackUrl, first.cookie);
		expect(replay.outcome).toBe('used');
		expect((await storedTokens(db, user.id))!.accessToken).toBe(before!.accessToken);
	});

	it('refuses a state older than ten minutes', async () => {
		const { signedIn, user } = await practitioner();
		const { answer, cookie } = await startConnect(signedIn);
		const back = await consentAtZoom(answer.location!);
		const later = Date.now() + 10 * 60_000 + 1_000;
		const clock = vi.spyOn(Date, 'now').mockReturnValue(later);
		try {
			expect((await returnFromZoom(signedIn, back.callbackUrl, cookie)).outcome).toBe('expired');
		} finally {
			clock.mockRestore();
		}
		expect(await connectionOf(user.id)).toBeUndefined();
	});

	it('says so when the practitioner declined at Zoom, and changes nothing', async () => {
		const { signedIn, user } = await practitioner();
		const { answer, cookie } = await startConnect(signedIn);
		const back = await consentAtZoom(answer.location!, { decision: 'decline' });
		expect(new URL(back.callbackUrl).searchParams.get('error')).toBe('access_denied');
		const { outcome, cookieAfter } = await returnFromZoom(signedIn, back.callbackUrl, cookie);
		expect(outcome).toBe('denied');
		expect(cookieAfter).toBeUndefined();
		expect(await connectionOf(user.id)).toBeUndefined();
		const page = await integrationsPageData(signedIn, '?zoom=denied');
		expect(page.data).toMatchObject({ outcome: 'denied', status: { connection: null } });
	});

	it('signed out, connecting and the callback lead to the sign-in page', async () => {
		expect((await startConnect(undefined)).answer.location).toMatch(/^\/sign-in\?redirectTo=/);
		const { answer } = await returnFromZoom(
			undefined,
			'http://sessionboard.test/settings/integrations/zoom/callback?code=x&state=y',
			undefined
		);
		expect(answer.location).toMatch(/^\/sign-in\?redirectTo=/);
	});
});

describe('Zoom not set up on this server', () => {
	it('the page names the variables to set, and Connect leads back to it', async () => {
		const { signedIn } = await practitioner();
		const saved = process.env.ZOOM_CLIENT_SECRET;
		delete process.env.ZOOM_CLIENT_SECRET;
		try {
			const page = await integrationsPageData(signedIn);
			expect(page.data).toMatchObject({ status: { missing: ['ZOOM_CLIENT_SECRET'] } });
			expect((await startConnect(signedIn)).answer.location).toBe('/settings/integrations');
		} finally {
			process.env.ZOOM_CLIENT_SECRET = saved;
		}
	});
});
