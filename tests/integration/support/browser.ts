import { desc, eq } from 'drizzle-orm';
import { validateAuthSessionToken, type Client } from '../../../src/lib/server/auth/session';
import type { Database } from '../../../src/lib/server/db';
import { emailDeliveries } from '../../../src/lib/server/db/schema';
import { createCaller } from '../../../src/lib/server/trpc/router';
import { waitFor } from './wait';

export const ORIGIN = 'http://sessionboard.test';
export const STRONG_PASSWORD = 'violet canyon teapot 42';

let counter = 0;
/** A distinct client address per browser, so rate limits per IP do not couple unrelated tests. */
function nextClient(): Client {
	counter += 1;
	return { ip: `203.0.113.${counter % 250}`, userAgent: `Vitest browser ${counter}` };
}

/**
 * Plays the part of one browser: keeps the auth cookie that procedures set, and calls procedures
 * with the context the request hook would build from it.
 */
export class TestBrowser {
	token: string | null = null;

	constructor(
		readonly db: Database,
		readonly client: Client = nextClient()
	) {}

	async api() {
		const validated = this.token
			? await validateAuthSessionToken(this.db, this.token, this.client)
			: null;
		return createCaller({
			db: this.db,
			user: validated?.user ?? null,
			authSession: validated?.session ?? null,
			client: this.client,
			origin: ORIGIN,
			authCookie: {
				set: (token) => (this.token = token),
				clear: () => (this.token = null)
			}
		});
	}
}

/**
 * The emails the app queued for `to`, newest first: every email leaves through email_deliveries,
 * and these tests run no worker, so each one is still there, body and all.
 */
export async function emailsTo(db: Database, to: string) {
	return db
		.select()
		.from(emailDeliveries)
		.where(eq(emailDeliveries.recipient, to))
		.orderBy(desc(emailDeliveries.createdAt));
}

/**
 * The token of the newest link to `path` in the newest email to `to`, once there is one: some
 * emails (a password reset) are queued by a job after the request has been answered.
 */
export async function tokenFromEmail(db: Database, to: string, path: string): Promise<string> {
	let token: string | undefined;
	await waitFor(`a ${path} link in the latest email to ${to}`, async () => {
		const [email] = await emailsTo(db, to);
		token = email?.text.match(new RegExp(`${ORIGIN}${path}\\?token=([^\\s]+)`))?.[1];
		return token !== undefined;
	});
	return decodeURIComponent(token!);
}

let people = 0;
/** A practitioner who signed up and confirmed their email; the browser is signed in. */
export async function signedUpPractitioner(db: Database, name = 'Robin Therapist') {
	people += 1;
	const email = `person${people}-${Date.now()}@example.com`;
	const browser = new TestBrowser(db);
	await (
		await browser.api()
	).account.signUp({
		name,
		email,
		password: STRONG_PASSWORD,
		ageConfirmed: true,
		timeZone: 'Europe/Berlin'
	});
	const token = await tokenFromEmail(db, email, '/verify-email');
	await (await browser.api()).account.verifyEmail({ token });
	const me = await (await browser.api()).account.me();
	return { browser, email, password: STRONG_PASSWORD, user: me };
}
