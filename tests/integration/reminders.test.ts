import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { inArray } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db';
import {
	emailDeliveries,
	series,
	seriesOccurrences,
	subscribers,
	users
} from '../../src/lib/server/db/schema';
import { messageIdFor } from '../../src/lib/server/email/deliveries';
import { QUEUES } from '../../src/lib/server/jobs/queues';
import {
	startWorker,
	type RunningWorker,
	type WorkerOptions
} from '../../src/lib/server/jobs/worker';
import { queueDueReminders } from '../../src/lib/server/series/reminders';
import { verifyLink } from '../../src/lib/server/signed-links';
import { startFakeSmtp, type FakeSmtp } from '../fakes/smtp';
import { useTestDatabase } from './support/database';
import { emailJobsSettled } from './support/jobs';
import { waitFor } from './support/wait';

let db: Database;
let url: string;
let ownerId: string;
const workers: RunningWorker[] = [];
const servers: FakeSmtp[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
	({ db, url } = await useTestDatabase());
	const [owner] = await db
		.insert(users)
		.values({ email: 'teacher@example.com', name: 'Robin', ageConfirmedAt: new Date() })
		.returning();
	ownerId = owner!.id;
});

afterEach(async () => {
	for (const child of children.splice(0)) child.kill('SIGKILL');
	await Promise.all(workers.splice(0).map((w) => w.stop()));
});

afterAll(async () => {
	await Promise.all(servers.map((s) => s.stop()));
});

async function smtpServer(options: Parameters<typeof startFakeSmtp>[0] = {}): Promise<FakeSmtp> {
	const server = await startFakeSmtp(options);
	servers.push(server);
	process.env.SMTP_URL = server.url;
	return server;
}

const fast: WorkerOptions = {
	crons: false,
	sweepIntervalSeconds: 1,
	retryDelaySeconds: 1,
	policy: { leaseSeconds: 3 },
	log: () => {}
};

async function work(options: WorkerOptions = {}): Promise<RunningWorker> {
	const worker = await startWorker(url, { ...fast, ...options });
	workers.push(worker);
	return worker;
}

let made = 0;
async function makeSeries(fields: Partial<typeof series.$inferInsert> = {}) {
	made += 1;
	const [row] = await db
		.insert(series)
		.values({
			ownerId,
			slug: `series-${made}`,
			title: `Series ${made}`,
			timeZone: 'Europe/Berlin',
			weekdays: [2],
			localStartTime: '18:00',
			startDate: '2026-01-06',
			durationMinutes: 60,
			capacity: 500,
			locationKind: 'in_person',
			locationDetail: 'Studio 4, Hauptstraße 1, Berlin',
			reminderOffsets: [1440, 60],
			status: 'published',
			...fields
		})
		.returning();
	return row!;
}

async function occurrence(
	of: { id: string },
	startsInMinutes: number,
	fields: Partial<typeof seriesOccurrences.$inferInsert> = {}
) {
	const startsAt = new Date(Date.now() + startsInMinutes * 60_000);
	const [row] = await db
		.insert(seriesOccurrences)
		.values({
			seriesId: of.id,
			ownerId,
			originalStartsAt: startsAt,
			startsAt,
			endsAt: new Date(startsAt.getTime() + 60 * 60_000),
			...fields
		})
		.returning();
	return row!;
}

async function people(
	of: { id: string; slug: string },
	count: number,
	fields: Partial<typeof subscribers.$inferInsert> = {}
) {
	const status = fields.status ?? 'active';
	return db
		.insert(subscribers)
		.values(
			Array.from({ length: count }, (_, i) => ({
				seriesId: of.id,
				ownerId,
				name: `Person ${i + 1}`,
				email: `${of.slug}-${status}-${fields.unsubscribedAt ? 'unsub-' : ''}${i + 1}@example.com`,
				consentedAt: new Date(),
				status,
				...fields
			}))
		)
		.returning();
}

const key = (occurrenceId: string, offset: number, subscriberId: string) =>
	`reminder:${occurrenceId}:${offset}:${subscriberId}`;

function countById(smtp: FakeSmtp): Map<string, number> {
	const counts = new Map<string, number>();
	for (const m of smtp.messages) counts.set(m.messageId, (counts.get(m.messageId) ?? 0) + 1);
	return counts;
}

const clock = (instant: Date, timeZone: string) =>
	new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', timeZone }).format(
		instant
	);

describe('reminders', () => {
	it('go once to each active subscriber, with two workers running at once', async () => {
		const smtp = await smtpServer({ delayMs: 5 });
		const yoga = await makeSeries({ title: 'Morning Yoga' });
		const soon = await occurrence(yoga, 30); // 24 h and 1 h both passed: only the 1 h one
		const tomorrow = await occurrence(yoga, 23 * 60); // only the 24 h one has come
		await occurrence(yoga, 3 * 24 * 60); // none yet
		await occurrence(yoga, 30, { status: 'cancelled', originalStartsAt: new Date(1) });
		await occurrence(yoga, -10); // started already
		const yogis = await people(yoga, 15);
		const notReminded = [
			...(await people(yoga, 1, { status: 'pending' })),
			...(await people(yoga, 1, { status: 'waitlisted' })),
			...(await people(yoga, 1, { status: 'left' })),
			...(await people(yoga, 1, { unsubscribedAt: new Date() }))
		];

		const online = await makeSeries({
			title: 'Breathwork Online',
			timeZone: 'America/New_York',
			locationKind: 'online',
			locationDetail: 'https://meet.example.com/breathwork',
			reminderOffsets: [60]
		});
		const withZoom = await occurrence(online, 45, { joinUrl: 'https://zoom.example.com/j/123' });
		const withSeriesLink = await occurrence(online, 50);
		const breathers = await people(online, 10);

		const draft = await makeSeries({ status: 'draft' });
		await occurrence(draft, 30);
		notReminded.push(...(await people(draft, 2)));

		const expected = [
			...yogis.flatMap((p) => [key(soon.id, 60, p.id), key(tomorrow.id, 1440, p.id)]),
			...breathers.flatMap((p) => [key(withZoom.id, 60, p.id), key(withSeriesLink.id, 60, p.id)])
		];

		const [one, two] = [await work({ batchSize: 5 }), await work({ batchSize: 5 })];
		const queued = await Promise.all([
			queueDueReminders(one.db),
			queueDueReminders(two.db),
			queueDueReminders(db)
		]);
		expect(queued.reduce((a, b) => a + b, 0)).toBe(expected.length);

		await waitFor('every reminder', () => smtp.messages.length >= expected.length, 30_000);
		await emailJobsSettled(db);
		expect(await queueDueReminders(db)).toBe(0);

		const counts = countById(smtp);
		expect(smtp.messages).toHaveLength(expected.length);
		expect(new Set(counts.keys())).toEqual(new Set(expected.map(messageIdFor)));
		expect([...counts.values()].every((n) => n === 1)).toBe(true);
		const recipients = new Set(smtp.messages.flatMap((m) => m.to));
		for (const person of notReminded) expect(recipients.has(person.email)).toBe(false);

		const toYogi = smtp.messages.find(
			(m) => m.messageId === messageIdFor(key(soon.id, 60, yogis[0]!.id))
		)!;
		expect(toYogi.subject).toContain('Morning Yoga');
		expect(toYogi.text).toContain(`${clock(soon.startsAt, 'Europe/Berlin')} (Europe/Berlin)`);
		expect(toYogi.text).toContain('Studio 4, Hauptstraße 1, Berlin');
		expect(toYogi.header('List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
		const unsubscribe = /^<(https?:\/\/[^>]+\/u\/([^>]+))>$/.exec(
			toYogi.header('List-Unsubscribe') ?? ''
		);
		expect(unsubscribe).not.toBeNull();
		expect(toYogi.text).toContain(unsubscribe![1]);
		expect(await verifyLink(db, 'unsubscribe', unsubscribe![2]!)).toBe(yogis[0]!.id);
		expect(toYogi.text).toMatch(/Manage your place: \S+\/m\/\S+/);

		const zoomed = smtp.messages.find(
			(m) => m.messageId === messageIdFor(key(withZoom.id, 60, breathers[0]!.id))
		)!;
		// The stable link of this date, not the meeting's own address.
		expect(zoomed.text).toMatch(new RegExp(`https?://\\S+/j/${withZoom.id}\\b`));
		expect(zoomed.text).not.toContain('https://zoom.example.com/j/123');
		expect(zoomed.text).toContain(
			`${clock(withZoom.startsAt, 'America/New_York')} (America/New_York)`
		);
		const linked = smtp.messages.find(
			(m) => m.messageId === messageIdFor(key(withSeriesLink.id, 60, breathers[0]!.id))
		)!;
		expect(linked.text).toMatch(new RegExp(`https?://\\S+/j/${withSeriesLink.id}\\b`));
	});

	it('go once each, none missing, when a worker is killed mid-batch and another takes over', async () => {
		const smtp = await smtpServer({ holdAfter: 10 });
		const circle = await makeSeries({ title: 'Sound Bath', reminderOffsets: [60] });
		const next = await occurrence(circle, 40);
		const members = await people(circle, 60);
		const expected = members.map((p) => key(next.id, 60, p.id));

		const script = fileURLToPath(new URL('./support/worker-process.ts', import.meta.url));
		const options: WorkerOptions = { crons: false, batchSize: 25, policy: { leaseSeconds: 3 } };
		const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(options)], {
			env: { ...process.env, DATABASE_URL: url, SMTP_URL: smtp.url },
			stdio: ['ignore', 'pipe', 'inherit']
		});
		children.push(child);
		let output = '';
		child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
		await waitFor('the worker process to start', () => output.includes('ready'), 30_000);

		const statusOf = async () =>
			db
				.select({
					key: emailDeliveries.key,
					status: emailDeliveries.status,
					attempts: emailDeliveries.attempts
				})
				.from(emailDeliveries)
				.where(inArray(emailDeliveries.key, expected));
		expect(await queueDueReminders(db)).toBe(expected.length);
		// Killed while sends are under way, but not in the one window no one can close (the server
		// accepted a message and the row does not say so yet; see deliveries.ts): the ten accepted
		// are marked, the next ones wait at MAIL FROM, before any of their data was sent.
		await waitFor(
			'the worker to be mid-batch',
			async () =>
				smtp.held() > 0 && (await statusOf()).filter((d) => d.status === 'sent').length === 10
		);
		expect(smtp.messages).toHaveLength(10);
		child.kill('SIGKILL');
		await once(child, 'exit');
		const killedAt = new Date();

		const abandoned = (await statusOf()).filter((d) => d.status === 'sending').map((d) => d.key);
		expect(abandoned.length).toBeGreaterThan(0);
		smtp.release();

		await work();
		await waitFor(
			'every reminder to be sent',
			async () => (await statusOf()).every((d) => d.status === 'sent'),
			30_000
		);
		await emailJobsSettled(db, killedAt);

		const counts = countById(smtp);
		expect(smtp.messages).toHaveLength(expected.length);
		expect(new Set(counts.keys())).toEqual(new Set(expected.map(messageIdFor)));
		expect([...counts.values()].every((n) => n === 1)).toBe(true);
		const final = await statusOf();
		expect(final).toHaveLength(expected.length);
		for (const taken of final.filter((d) => abandoned.includes(d.key))) {
			expect(taken.attempts).toBe(2);
		}
	}, 90_000);

	it('run as the every-minute job beside the hourly extension, both scheduled by the worker', async () => {
		const smtp = await smtpServer();
		const weekly = await makeSeries({ title: 'Tai Chi', reminderOffsets: [60] });
		const next = await occurrence(weekly, 20);
		const members = await people(weekly, 3);
		const { boss } = await work({ crons: true });

		const schedules = await boss.getSchedules();
		expect(schedules.map(({ name, cron }) => ({ name, cron }))).toEqual(
			expect.arrayContaining([
				{ name: QUEUES.seriesReminders, cron: '* * * * *' },
				{ name: QUEUES.seriesExtend, cron: '0 * * * *' }
			])
		);

		await boss.send(QUEUES.seriesReminders, {});
		const ids = members.map((p) => messageIdFor(key(next.id, 60, p.id)));
		await waitFor('the job’s reminders', () =>
			ids.every((id) => smtp.messages.some((m) => m.messageId === id))
		);
		const extension = await boss.send(QUEUES.seriesExtend, {});
		await waitFor(
			'the extension job',
			async () => (await boss.getJobById(QUEUES.seriesExtend, extension!))?.state === 'completed',
			45_000
		);
	});
});
