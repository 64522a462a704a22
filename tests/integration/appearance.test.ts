import { beforeAll, describe, expect, it } from 'vitest';
import { validateAuthSessionToken } from '../../src/lib/server/auth/session';
import type { Database } from '../../src/lib/server/db';
import { signedUpPractitioner, TestBrowser } from './support/browser';
import { useTestDatabase } from './support/database';
import { failure } from './support/errors';

let db: Database;
beforeAll(async () => {
	({ db } = await useTestDatabase());
});

/** The scheme the request hook would see for this browser's sign-in, as every page is rendered. */
async function schemeSeenBy(browser: TestBrowser) {
	const validated = await validateAuthSessionToken(db, browser.token!, browser.client);
	return validated?.user.colorScheme;
}

describe('account.setAppearance', () => {
	it('starts at System, keeps the choice for the signed-in person only, on every sign-in', async () => {
		const maya = await signedUpPractitioner(db, 'Maya');
		const other = await signedUpPractitioner(db, 'Other');
		expect(await schemeSeenBy(maya.browser)).toBe('system');

		const saved = await (await maya.browser.api()).account.setAppearance({ colorScheme: 'dark' });
		expect(saved.colorScheme).toBe('dark');
		expect(await schemeSeenBy(maya.browser)).toBe('dark');
		expect(await schemeSeenBy(other.browser), "another person's is untouched").toBe('system');

		await (await maya.browser.api()).account.setAppearance({ colorScheme: 'system' });
		expect(await schemeSeenBy(maya.browser)).toBe('system');
	});

	it('refuses a scheme it does not know, and a visitor', async () => {
		const { browser } = await signedUpPractitioner(db);
		const api = await browser.api();
		for (const colorScheme of ['blue', '', 'DARK', null]) {
			const refused = await failure(
				api.account.setAppearance({ colorScheme } as unknown as { colorScheme: 'dark' })
			);
			expect(refused.code, String(colorScheme)).toBe('BAD_REQUEST');
		}
		expect(await schemeSeenBy(browser)).toBe('system');

		const visitor = await new TestBrowser(db).api();
		expect((await failure(visitor.account.setAppearance({ colorScheme: 'dark' }))).code).toBe(
			'UNAUTHORIZED'
		);
	});
});
