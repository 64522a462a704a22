import { createHash } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db';
import { authSessions, emailTokens } from '../../src/lib/server/db/schema';
import { startWorker, type RunningWorker } from '../../src/lib/server/jobs/worker';
import { signedUpPractitioner, TestBrowser, tokenFromEmail } from './support/browser';
import { useTestDatabase } from './support/database';

let db: Database;
// The worker makes the reset link of a reset request.
let worker: RunningWorker;
beforeAll(async () => {
	let url: string;
	({ db, url } = await useTestDatabase());
	worker = await startWorker(url, { crons: false, log: () => {} });
});
afterAll(() => worker.stop());

/** SHA-256 computed here, not by the app: a reversible "hash" in the app cannot agree with it. */
const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

/** Every row of `table` as text, so a secret stored in any column, encoded or not, shows. */
async function tableText(table: 'auth_sessions' | 'email_tokens'): Promise<string> {
	const rows = await db.execute<{ row: string }>(
		sql`select row_to_json(t)::text as row from ${sql.identifier(table)} t`
	);
	return rows.map((r) => r.row).join('\n');
}

function expectOnlyTheHash(storedHash: string | undefined, token: string, dump: string) {
	const [id, secret] = token.split('.');
	expect(storedHash).toBe(sha256Hex(secret!));
	expect(dump).toContain(id);
	expect(dump).not.toContain(secret);
	for (const encoding of ['hex', 'base64', 'base64url'] as const) {
		expect(dump).not.toContain(Buffer.from(secret!).toString(encoding));
	}
}

describe('tokens at rest', () => {
	it('an auth session keeps only the SHA-256 of its secret', async () => {
		const { browser } = await signedUpPractitioner(db);
		const token = browser.token!;
		const [row] = await db
			.select()
			.from(authSessions)
			.where(eq(authSessions.id, token.split('.')[0]!));
		expectOnlyTheHash(row?.secretHash, token, await tableText('auth_sessions'));
	});

	it('links to verify an email and to reset a password keep only the SHA-256 of their secret', async () => {
		const { email } = await signedUpPractitioner(db);
		const verify = await tokenFromEmail(db, email, '/verify-email');
		await (await new TestBrowser(db).api()).account.requestPasswordReset({ email });
		const links = [verify, await tokenFromEmail(db, email, '/reset-password')];
		const dump = await tableText('email_tokens');
		for (const token of links) {
			const [row] = await db
				.select()
				.from(emailTokens)
				.where(eq(emailTokens.id, token.split('.')[0]!));
			expectOnlyTheHash(row?.secretHash, token, dump);
		}
	});
});
