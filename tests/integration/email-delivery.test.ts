import { eq, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../src/lib/server/db';
import { emailDeliveries, outboxEmails } from '../../src/lib/server/db/schema';
import {
	deliver,
	messageIdFor,
	queueEmail,
	type DeliveryOutcome
} from '../../src/lib/server/email/deliveries';
import type { Email } from '../../src/lib/server/email/mailer';
import { subscriberMessage } from '../../src/lib/server/email/subscriber-messages';
import { QUEUES } from '../../src/lib/server/jobs/queues';
import {
	startWorker,
	type RunningWorker,
	type WorkerOptions
} from '../../src/lib/server/jobs/worker';
import { startFakeSmtp, type FakeSmtp } from '../fakes/smtp';
import { STRONG_PASSWORD, TestBrowser } from './support/browser';
import { busyFor } from './support/busy';
import { useTestDatabase } from './support/database';
import { emailJobsSettled } from './support/jobs';
import { waitFor } from './support/wait';

let db: Database;
let url: string;
let other: Database;
let smtp: FakeSmtp;
const workers: RunningWorker[] = [];

beforeAll(async () => {
	({ db, url } = await useTestDatabase());
	other = createDatabase(url, { max: 4 });
	smtp = await startFakeSmtp();
	process.env.SMTP_URL = smtp.url;
});

afterEach(async () => {
	await Promise.all(workers.splice(0).map((w) => w.stop()));
	smtp.setVerdict(undefined);
	process.env.SMTP_URL = smtp.url;
});

afterAll(async () => {
	await other.$client.end();
	await smtp.stop();
});

/** Short leases and retries, so that what takes minutes in production takes seconds here. */
async function work(options: WorkerOptions = {}): Promise<RunningWorker> {
	const worker = await startWorker(url, {
		crons: false,
		sweepIntervalSeconds: 1,
		retryDelaySeconds: 1,
		policy: { leaseSeconds: 3, maxAttempts: 3 },
		log: () => {},
		...options
	});
	workers.push(worker);
	return worker;
}

let counter = 0;
function plainEmail(subject = 'Hello'): Email {
	counter += 1;
	return {
		to: `reader${counter}@example.com`,
		subject,
		text: `${subject} in text`,
		html: `<p>${subject} in HTML</p>`
	};
}

const received = (key: string) => smtp.messages.filter((m) => m.messageId === messageIdFor(key));

async function row(key: string) {
	const [found] = await db.select().from(emailDeliveries).where(eq(emailDeliveries.key, key));
	return found;
}

const sentOnce = (key: string) =>
	waitFor(`${key} to be sent`, async () => (await row(key))?.status === 'sent');

describe('queueing an email', () => {
	it('makes one email of one key, even queued three times at once over two connections', async () => {
		await work();
		const email = plainEmail('Once only');
		const key = 'test:same-key';
		const ids = await Promise.all([
			queueEmail(db, { key, purpose: 'test', email }),
			queueEmail(other, { key, purpose: 'test', email }),
			queueEmail(db, { key, purpose: 'test', email })
		]);
		expect(ids.filter((id) => id !== null)).toHaveLength(1);
		expect(await queueEmail(db, { key, purpose: 'test', email })).toBeNull();

		await sentOnce(key);
		await emailJobsSettled(db);
		expect(received(key)).toHaveLength(1);
		expect(received(key)[0]?.to).toEqual([email.to]);
	});

	it('commits the delivery and its job together with the caller’s transaction', async () => {
		await work();
		const rolledBack = 'test:rolled-back';
		await expect(
			db.transaction(async (tx) => {
				await queueEmail(tx, { key: rolledBack, purpose: 'test', email: plainEmail() });
				throw new Error('the business change failed');
			})
		).rejects.toThrow('the business change failed');
		expect(await row(rolledBack)).toBeUndefined();

		const committed = 'test:committed';
		await db.transaction(async (tx) => {
			const id = await queueEmail(tx, { key: committed, purpose: 'test', email: plainEmail() });
			const jobsHere = await tx.execute(sql`select 1 from pgboss.job where id = ${id}`);
			const jobsElsewhere = await other.execute(sql`select 1 from pgboss.job where id = ${id}`);
			expect(jobsHere).toHaveLength(1);
			expect(jobsElsewhere).toHaveLength(0);
		});
		await sentOnce(committed);
		await emailJobsSettled(db);
		expect(received(rolledBack)).toHaveLength(0);
		expect(received(committed)).toHaveLength(1);
	});

	it('sends account email through the worker: a sign-up’s confirmation arrives once', async () => {
		await work();
		const browser = new TestBrowser(db);
		await (
			await browser.api()
		).account.signUp({
			name: 'Grace',
			email: 'grace@example.com',
			password: STRONG_PASSWORD,
			ageConfirmed: true,
			timeZone: 'Europe/Berlin'
		});
		await waitFor('the confirmation', () =>
			smtp.messages.some((m) => m.to.includes('grace@example.com'))
		);
		const [message, ...more] = smtp.messages.filter((m) => m.to.includes('grace@example.com'));
		expect(more).toHaveLength(0);
		expect(message?.subject).toBe('Confirm your email for Sessionboard');
		expect(message?.text).toMatch(/\/verify-email\?token=\S+/);
	});
});

describe('the worker inside the app', () => {
	it('sends at once while the app is idle', async () => {
		await work({ yieldToRequestsMs: 10_000 });
		const key = 'test:idle-app';
		const queued = performance.now();
		await queueEmail(db, { key, purpose: 'test', email: plainEmail('No crowd') });
		await waitFor('the email', () => received(key).length === 1);
		// Well within the ten seconds it would wait for a busy app to quiet down.
		expect(performance.now() - queued).toBeLessThan(3000);
		expect(received(key)[0]?.subject).toBe('No crowd');
	});

	it('holds email while the app is busy answering requests, and sends it right after', async () => {
		await work({ yieldToRequestsMs: 10_000 });
		const key = 'test:after-the-crowd';
		await queueEmail(db, { key, purpose: 'test', email: plainEmail('After the crowd') });
		await busyFor(2000);
		expect(received(key)).toHaveLength(0);
		await waitFor('the email', () => received(key).length === 1, 3000);
	});

	it('holds it no longer than it is told to, however long the app stays busy', async () => {
		await work({ yieldToRequestsMs: 500 });
		const key = 'test:endless-crowd';
		await queueEmail(db, { key, purpose: 'test', email: plainEmail('During the crowd') });
		await busyFor(4000);
		expect(received(key)).toHaveLength(1);
	});
});

describe('subscriber emails', () => {
	it('carry the RFC 8058 headers, visible unsubscribe and manage links, and the invite', async () => {
		await work();
		const unsubscribeUrl = 'http://sessionboard.test/u/subscriber-1.signature';
		const manageUrl = 'http://sessionboard.test/m/subscriber-1.signature';
		const invite = 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n';
		const key = 'test:subscriber-headers';
		await queueEmail(db, {
			key,
			purpose: 'series-confirm',
			email: subscriberMessage({
				to: 'sam@example.com',
				seriesTitle: 'Morning Yoga',
				subject: 'You are in: Morning Yoga',
				greeting: 'Hello Sam,',
				paragraphs: ['See you on Tuesday.'],
				unsubscribeUrl,
				manageUrl,
				attachments: [{ filename: 'invite.ics', content: invite, contentType: 'text/calendar' }]
			})
		});
		await sentOnce(key);
		const [message] = received(key);

		expect(message?.header('List-Unsubscribe')).toBe(`<${unsubscribeUrl}>`);
		expect(message?.header('List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
		expect(message?.text).toContain(`Unsubscribe from these emails: ${unsubscribeUrl}`);
		expect(message?.text).toContain(`Manage your place: ${manageUrl}`);
		expect(message?.html).toContain(`href="${unsubscribeUrl}"`);
		expect(message?.html).toContain(`href="${manageUrl}"`);
		expect(message?.attachments).toEqual([
			expect.objectContaining({ filename: 'invite.ics', contentType: 'text/calendar' })
		]);
		expect(message?.attachments[0]?.content).toContain('BEGIN:VCALENDAR');

		// Sent bodies are cleared: they can hold links that are secrets.
		const stored = await row(key);
		expect(stored).toMatchObject({ text: '', html: '', attachments: [] });
		expect(stored?.sentAt).toBeInstanceOf(Date);
	});
});

describe('exactly once', () => {
	it('sends each delivery once when two workers are handed the same ones at the same moment', async () => {
		const keys = Array.from({ length: 30 }, (_, i) => `test:race-${i}`);
		const ids: string[] = [];
		for (const key of keys) {
			ids.push((await queueEmail(db, { key, purpose: 'test', email: plainEmail('Race') }))!);
		}
		const outcomes: DeliveryOutcome[] = await Promise.all(
			ids.flatMap((id) => [deliver(db, id), deliver(other, id)])
		);
		for (let i = 0; i < ids.length; i++) {
			const pair = [outcomes[2 * i]!.status, outcomes[2 * i + 1]!.status];
			// The loser finds the delivery still being sent (busy) or already sent (settled).
			expect(pair.filter((status) => status === 'sent')).toHaveLength(1);
			expect(pair.filter((status) => status === 'busy' || status === 'settled')).toHaveLength(1);
		}
		for (const key of keys) expect(received(key)).toHaveLength(1);
	});

	it('takes over a delivery whose worker died holding it, once its lease runs out', async () => {
		const key = 'test:orphaned';
		await work();
		// As a killed worker leaves it: claimed, not sent, its job still there.
		const leaseUntil = await db.transaction(async (tx) => {
			await queueEmail(tx, { key, purpose: 'test', email: plainEmail('Orphaned') });
			const [claimed] = await tx
				.update(emailDeliveries)
				.set({ status: 'sending', attempts: 1, leaseUntil: sql`now() + interval '3 seconds'` })
				.where(eq(emailDeliveries.key, key))
				.returning();
			return claimed!.leaseUntil!;
		});

		await sentOnce(key);
		expect(received(key)).toHaveLength(1);
		expect((await row(key))!.sentAt!.getTime()).toBeGreaterThanOrEqual(leaseUntil.getTime());
		expect((await row(key))?.attempts).toBe(2);
	});
});

describe('a failing SMTP server', () => {
	it('gets retries with backoff, and the email arrives once when it recovers', async () => {
		const key = 'test:flaky';
		smtp.setVerdict((messageId, attempt) =>
			messageId === messageIdFor(key) && attempt <= 2
				? { code: 451, message: '4.3.0 Try again later' }
				: null
		);
		await work();
		await queueEmail(db, { key, purpose: 'test', email: plainEmail('Flaky') });
		await sentOnce(key);
		expect(received(key)).toHaveLength(1);
		expect((await row(key))?.attempts).toBe(3);
	});

	it('ends in failed after the last attempt, with the error kept and nothing sent', async () => {
		const key = 'test:refused';
		smtp.setVerdict((messageId) =>
			messageId === messageIdFor(key) ? { code: 550, message: '5.1.1 No such user' } : null
		);
		const { boss } = await work();
		const id = await queueEmail(db, { key, purpose: 'test', email: plainEmail('Refused') });
		await waitFor('the delivery to fail', async () => (await row(key))?.status === 'failed');

		const failed = await row(key);
		expect(failed?.attempts).toBe(3);
		expect(failed?.lastError).toContain('No such user');
		expect(failed?.subject).toBe('Refused');
		expect(received(key)).toHaveLength(0);
		await waitFor(
			'the job to fail',
			async () => (await boss.getJobById(QUEUES.emailSend, id!))?.state === 'failed'
		);
	});
});

describe('without SMTP', () => {
	it('the worker puts email in the local outbox within a second or two, headers and invite kept', async () => {
		delete process.env.SMTP_URL;
		await work();
		const key = 'test:outbox';
		const started = Date.now();
		await queueEmail(db, {
			key,
			purpose: 'series-confirm',
			email: subscriberMessage({
				to: 'olive@example.com',
				seriesTitle: 'Evening Pilates',
				subject: 'You are in',
				greeting: 'Hello Olive,',
				paragraphs: ['Welcome.'],
				unsubscribeUrl: 'http://sessionboard.test/u/x',
				manageUrl: 'http://sessionboard.test/m/x',
				attachments: [
					{ filename: 'invite.ics', content: 'BEGIN:VCALENDAR', contentType: 'text/calendar' }
				]
			})
		});
		const inOutbox = () =>
			db.select().from(outboxEmails).where(eq(outboxEmails.to, 'olive@example.com'));
		await waitFor('the outbox', async () => (await inOutbox()).length > 0, 3000);
		expect(Date.now() - started).toBeLessThan(2500);

		const [email, ...more] = await inOutbox();
		expect(more).toHaveLength(0);
		expect(email?.headers).toMatchObject({
			'List-Unsubscribe': '<http://sessionboard.test/u/x>',
			'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
			'Message-ID': messageIdFor(key)
		});
		expect(email?.attachments).toEqual([
			{ filename: 'invite.ics', content: 'BEGIN:VCALENDAR', contentType: 'text/calendar' }
		]);
		expect((await row(key))?.status).toBe('sent');
	});
});
