import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db';
import { emailDeliveries } from '../../src/lib/server/db/schema';
import { messageIdFor } from '../../src/lib/server/email/deliveries';
import { startFakeSmtp, type FakeSmtp } from '../fakes/smtp';
import { signedUpPractitioner } from '../integration/support/browser';
import { useTestDatabase } from '../integration/support/database';
import { waitFor } from '../integration/support/wait';
import { apiOn } from './support/api';
import { freePort, startInstance, stopInstances, type Instance } from './support/instance';

const MINUTE = 60_000;

let db: Database;
let url: string;
let smtp: FakeSmtp | undefined;

beforeAll(async () => {
	({ db, url } = await useTestDatabase());
});

afterAll(async () => {
	await stopInstances();
	await smtp?.stop();
});

async function deliveryTo(recipient: string, purpose: string) {
	const [row] = await db
		.select()
		.from(emailDeliveries)
		.where(and(eq(emailDeliveries.recipient, recipient), eq(emailDeliveries.purpose, purpose)));
	return row;
}

describe('an SMTP server down for minutes', () => {
	it(
		'keeps the email queued and retried on the production schedule, and delivers it once when the server is back',
		async () => {
			// Where the mail server will be: nothing listens there yet, so every send is refused.
			const smtpPort = await freePort();
			const { email } = await signedUpPractitioner(db);
			// The sign-up's own email waits for the server too; only the reset is watched here.
			await db.delete(emailDeliveries).where(eq(emailDeliveries.recipient, email));
			const instance: Instance = await startInstance({
				databaseUrl: url,
				env: { SMTP_URL: `smtp://127.0.0.1:${smtpPort}` }
			});

			await apiOn(instance).account.requestPasswordReset.mutate({ email });
			let firstAttemptAt = 0;
			await waitFor('the first attempt to fail', async () => {
				const row = await deliveryTo(email, 'reset-password');
				if (row?.attempts === 1 && row.status === 'queued' && row.lastError) {
					firstAttemptAt = Date.now();
					return true;
				}
				return false;
			});

			// Each retry as it happens: the row is queued again after each, with the error kept.
			const seen = [1];
			await waitFor(
				'six attempts, the last more than three minutes after the first',
				async () => {
					const row = (await deliveryTo(email, 'reset-password'))!;
					expect(row.status).not.toBe('failed');
					expect(row.status).not.toBe('sent');
					if (row.status === 'queued' && row.attempts > seen.at(-1)!) {
						expect(row.lastError).toMatch(/ECONNREFUSED|connect/i);
						seen.push(row.attempts);
					}
					return row.attempts >= 6 && row.status === 'queued';
				},
				5 * MINUTE
			);
			expect(Date.now() - firstAttemptAt).toBeGreaterThanOrEqual(3 * MINUTE);
			expect(seen.at(-1)).toBeGreaterThanOrEqual(6);

			smtp = await startFakeSmtp({ port: smtpPort });
			const backAt = Date.now();
			await waitFor(
				'the email to go once the server is back',
				async () => (await deliveryTo(email, 'reset-password'))?.status === 'sent',
				1.5 * MINUTE
			);
			// The last failure may have come just before the server's return: its retry is due a minute
			// later and the sweep that makes it runs every ten seconds.
			expect(Date.now() - backAt).toBeLessThan(90_000);

			const sent = (await deliveryTo(email, 'reset-password'))!;
			expect(sent).toMatchObject({ status: 'sent', lastError: null, nextAttemptAt: null });
			// Stopped, the instance can send nothing more: what arrived is all that ever will.
			expect(await instance.stop()).toBe(0);
			const arrived = smtp.messages.filter((m) => m.messageId === messageIdFor(sent.key));
			expect(arrived).toHaveLength(1);
			expect(arrived[0]!.to).toEqual([email]);
			expect(instance.output()).not.toContain(email);
		},
		10 * MINUTE
	);
});
