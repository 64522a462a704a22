import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { eq, inArray, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../src/lib/server/db';
import { emailDeliveries, outboxEmails } from '../../src/lib/server/db/schema';
import {
	deliver,
	messageIdFor,
	queueEmail,
	type DeliveryOutcome
} from '../../src/lib/server/email/deliveries';
import { config } from '../../src/lib/server/config';
import type { Email } from '../../src/lib/server/email/mailer';
import { subscriberMessage } from '../../src/lib/server/email/subscriber-messages';
import { QUEUES } from '../../src/lib/server/jobs/queues';
import {
	createBoss,
	installJobs,
	startWorker,
	type RunningWorker,
	type WorkerOptions
} from '../../src/lib/server/jobs/worker';
import { startFakeSmtp, type FakeSmtp, type FakeSmtpOptions } from '../fakes/smtp';
import { signedUpPractitioner, STRONG_PASSWORD, TestBrowser } from './support/browser';
import { busyFor } from './support/busy';
import { useTestDatabase } from './support/database';
import { emailJobsSettled } from './support/jobs';
import { publishedSeries, signUp } from './support/series';
import { waitFor } from './support/wait';

let db: Database;
let url: string;
let other: Database;
let smtp: FakeSmtp;
const workers: RunningWorker[] = [];
const children: ChildProcess[] = [];
/** SMTP servers of single tests, stopped once the workers that used them are. */
const moreServers: FakeSmtp[] = [];

beforeAll(async () => {
	({ db, url } = await useTestDatabase());
	other = createDatabase(url, { max: 4 });
	smtp = await startFakeSmtp();
	process.env.SMTP_URL = smtp.url;
});

afterEach(async () => {
	for (const child of children.splice(0)) child.kill('SIGKILL');
	await Promise.all(workers.splice(0).map((w) => w.stop()));
	smtp.setVerdict(undefined);
	process.env.SMTP_URL = smtp.url;
});

afterAll(async () => {
	await other.$client.end();
	await Promise.all([smtp, ...moreServers].map((server) => server.stop()));
});

/** An SMTP server for one test, which the workers it starts use from now on. */
async function smtpForThisTest(options: FakeSmtpOptions): Promise<FakeSmtp> {
	const server = await startFakeSmtp(options);
	moreServers.push(server);
	process.env.SMTP_URL = server.url;
	return server;
}

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
			queueEmail(db, { key, purpose: 'password-changed', email }),
			queueEmail(other, { key, purpose: 'password-changed', email }),
			queueEmail(db, { key, purpose: 'password-changed', email })
		]);
		expect(ids.filter((id) => id !== null)).toHaveLength(1);
		expect(await queueEmail(db, { key, purpose: 'password-changed', email })).toBeNull();

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
				await queueEmail(tx, { key: rolledBack, purpose: 'password-changed', email: plainEmail() });
				throw new Error('the business change failed');
			})
		).rejects.toThrow('the business change failed');
		expect(await row(rolledBack)).toBeUndefined();

		const committed = 'test:committed';
		await db.transaction(async (tx) => {
			const id = await queueEmail(tx, {
				key: committed,
				purpose: 'password-changed',
				email: plainEmail()
			});
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
		await queueEmail(db, { key, purpose: 'password-changed', email: plainEmail('No crowd') });
		await waitFor('the email', () => received(key).length === 1);
		// Well within the ten seconds it would wait for a busy app to quiet down.
		expect(performance.now() - queued).toBeLessThan(3000);
		expect(received(key)[0]?.subject).toBe('No crowd');
	});

	it('holds email while the app is busy answering requests, and sends it right after', async () => {
		await work({ yieldToRequestsMs: 10_000 });
		const key = 'test:after-the-crowd';
		await queueEmail(db, {
			key,
			purpose: 'password-changed',
			email: plainEmail('After the crowd')
		});
		await busyFor(2000);
		expect(received(key)).toHaveLength(0);
		await waitFor('the email', () => received(key).length === 1, 3000);
	});

	it('holds it no longer than it is told to, however long the app stays busy', async () => {
		await work({ yieldToRequestsMs: 500 });
		const key = 'test:endless-crowd';
		await queueEmail(db, {
			key,
			purpose: 'password-changed',
			email: plainEmail('During the crowd')
		});
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
				practitioner: 'Maya Jensen',
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

	it('come from "<practitioner> via Sessionboard" at our own address, signed by them, whatever their name holds', async () => {
		await work();
		const { address } = config().EMAIL_FROM;
		const names = [
			'Maya Jensen',
			'Ann "Annie" O\'Brien, MSc',
			'Zoë Ça: <evil@example.com>',
			'Mallory\r\nBcc: victim@example.com'
		];
		for (const [i, practitioner] of names.entries()) {
			const key = `test:from-name:${i}`;
			await queueEmail(db, {
				key,
				purpose: 'series-confirm',
				email: subscriberMessage({
					to: `from-${i}@example.com`,
					seriesTitle: 'Morning Yoga',
					practitioner,
					subject: 'You are in: Morning Yoga',
					greeting: 'Hello Sam,',
					paragraphs: ['See you on Tuesday.'],
					unsubscribeUrl: 'http://sessionboard.test/u/x',
					manageUrl: 'http://sessionboard.test/m/x'
				})
			});
			await sentOnce(key);
			const [message] = received(key);
			const oneLine = practitioner.replace(/[\r\n]+/g, ' ');
			expect(message?.from).toEqual({ name: `${oneLine} via Sessionboard`, address });
			expect(message?.to).toEqual([`from-${i}@example.com`]);
			expect(message?.header('bcc')).toBeUndefined();
			expect(message?.text).toContain(`— ${oneLine}`);
			expect(message?.html).not.toContain('<evil@');
		}
	});
});

describe('exactly once', () => {
	it('sends each delivery once when two workers are handed the same ones at the same moment', async () => {
		const keys = Array.from({ length: 30 }, (_, i) => `test:race-${i}`);
		const ids: string[] = [];
		for (const key of keys) {
			ids.push(
				(await queueEmail(db, { key, purpose: 'password-changed', email: plainEmail('Race') }))!
			);
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
			await queueEmail(tx, { key, purpose: 'password-changed', email: plainEmail('Orphaned') });
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

describe('a slow or dead worker', () => {
	it('keeps its claim through a slow send, so that no other worker sends the email too', async () => {
		const slow = await smtpForThisTest({ holdAfter: 0 });
		await work();
		await work();
		const key = 'test:slow-send';
		await queueEmail(db, { key, purpose: 'password-changed', email: plainEmail('Slow') });
		await waitFor('the send to wait at the server', () => slow.held() === 1);
		const firstLease = (await row(key))!.leaseUntil!;

		// Without renewals the other worker, sweeping every second, would take it over now.
		await waitFor('the first lease to be long over', async () => {
			const [now] = await db.execute<{ over: boolean }>(
				sql`select now() > ${firstLease.toISOString()}::timestamptz + interval '2 seconds' as over`
			);
			return now?.over === true;
		});
		expect(await row(key)).toMatchObject({ status: 'sending', attempts: 1 });
		expect(slow.held()).toBe(1);

		slow.release();
		await sentOnce(key);
		await Promise.all(workers.splice(0).map((w) => w.stop()));
		expect(slow.messages.filter((m) => m.messageId === messageIdFor(key))).toHaveLength(1);
	});

	it('sends an email whose job a worker took and died before claiming, well before the job expires', async () => {
		await installJobs(url);
		const key = 'test:fetched-not-claimed';
		const id = await queueEmail(db, {
			key,
			purpose: 'password-changed',
			email: plainEmail('Fetched')
		});
		// As a killed worker leaves it: the job taken (active, for pg-boss's ten minutes), the
		// delivery never claimed.
		const dead = createBoss(url, { supervise: false, schedule: false });
		await dead.start();
		try {
			expect((await dead.fetch(QUEUES.emailSend)).map((job) => job.id)).toEqual([id]);
		} finally {
			await dead.stop({ graceful: false, wait: true });
		}

		const { boss } = await work();
		await sentOnce(key);
		expect((await row(key))?.attempts).toBe(1);
		expect(received(key)).toHaveLength(1);
		// Sent by the sweep: pg-boss still counts the job as the dead worker's.
		expect((await boss.getJobById(QUEUES.emailSend, id!))?.state).toBe('active');
	});

	it('a new subscriber’s confirmation held by a killed worker arrives within a minute, once', async () => {
		const server = await smtpForThisTest({ holdAfter: 0 });
		// As the app does at start, so that the emails below get their jobs.
		await installJobs(url);
		const { browser } = await signedUpPractitioner(db);
		const { slug } = await publishedSeries(await browser.api(), { slug: 'crash-yoga' });
		await signUp(db, slug, 1);
		const waiting = await db
			.select({ id: emailDeliveries.id, key: emailDeliveries.key })
			.from(emailDeliveries)
			.where(inArray(emailDeliveries.status, ['queued', 'sending']));
		const confirmation = waiting.find((d) => d.key.startsWith('series-confirm:'))!;
		expect(confirmation).toBeDefined();

		// A worker as `npm run worker` runs one, with the production lease and sweep.
		const script = fileURLToPath(new URL('./support/worker-process.ts', import.meta.url));
		const child = spawn(
			process.execPath,
			['--import', 'tsx', script, JSON.stringify({ crons: false } satisfies WorkerOptions)],
			{ env: { ...process.env, DATABASE_URL: url }, stdio: ['ignore', 'pipe', 'inherit'] }
		);
		children.push(child);
		let output = '';
		child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
		await waitFor('the worker process to start', () => output.includes('ready'), 30_000);

		// Killed mid-batch: every email claimed, the first ones waiting at MAIL FROM, none sent.
		const statuses = () =>
			db
				.select({ status: emailDeliveries.status })
				.from(emailDeliveries)
				.where(
					inArray(
						emailDeliveries.id,
						waiting.map((d) => d.id)
					)
				);
		await waitFor(
			'the worker to be mid-batch',
			async () => server.held() > 0 && (await statuses()).every((d) => d.status === 'sending')
		);
		child.kill('SIGKILL');
		await once(child, 'exit');
		const killedAt = Date.now();
		server.release();

		workers.push(await startWorker(url, { crons: false, log: () => {} }));
		const arrived = () =>
			server.messages.filter((m) => m.messageId === messageIdFor(confirmation.key));
		await waitFor('the confirmation', () => arrived().length > 0, 60_000);
		expect(Date.now() - killedAt).toBeLessThan(60_000);
		expect(arrived()[0]?.subject).toMatch(/^Confirm/);

		await waitFor(
			'every email of the batch',
			async () => (await statuses()).every((d) => d.status === 'sent'),
			60_000
		);
		await Promise.all(workers.splice(0).map((w) => w.stop()));
		for (const { key } of waiting) {
			expect(server.messages.filter((m) => m.messageId === messageIdFor(key))).toHaveLength(1);
		}
	}, 120_000);
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
		await queueEmail(db, { key, purpose: 'password-changed', email: plainEmail('Flaky') });
		await sentOnce(key);
		expect(received(key)).toHaveLength(1);
		expect((await row(key))?.attempts).toBe(3);
	});

	it('ends in failed after the last attempt, with the error kept and nothing sent', async () => {
		const key = 'test:refused';
		smtp.setVerdict((messageId) =>
			messageId === messageIdFor(key) ? { code: 550, message: '5.1.1 No such user' } : null
		);
		await work();
		await queueEmail(db, { key, purpose: 'password-changed', email: plainEmail('Refused') });
		await waitFor('the delivery to fail', async () => (await row(key))?.status === 'failed');

		const failed = await row(key);
		expect(failed?.attempts).toBe(3);
		expect(failed?.lastError).toContain('No such user');
		expect(failed?.subject).toBe('Refused');
		expect(received(key)).toHaveLength(0);
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
				practitioner: 'Maya Jensen',
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
		expect(email?.headers.From).toMatch(/^"?Maya Jensen via Sessionboard"? <[^>]+@[^>]+>$/);
		expect(email?.text).toMatch(/— Maya Jensen\n/);
		expect(email?.attachments).toEqual([
			{ filename: 'invite.ics', content: 'BEGIN:VCALENDAR', contentType: 'text/calendar' }
		]);
		expect((await row(key))?.status).toBe('sent');
	});
});
