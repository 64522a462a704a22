import { and, eq, inArray, like, sql, type SQL } from 'drizzle-orm';
import postgres from 'postgres';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db';
import { emailDeliveries, seriesOccurrences, subscribers } from '../../src/lib/server/db/schema';
import { messageIdFor } from '../../src/lib/server/email/deliveries';
import { enqueueJob, QUEUES } from '../../src/lib/server/jobs/queues';
import { startFakeSmtp, type FakeSmtp } from '../fakes/smtp';
import { signedUpPractitioner } from '../integration/support/browser';
import { useTestDatabase } from '../integration/support/database';
import { emailJobsSettled } from '../integration/support/jobs';
import { publishedSeries } from '../integration/support/series';
import { waitFor } from '../integration/support/wait';
import { startInstance, stopInstances, type Instance } from './support/instance';

/**
 * kill -9 of an app instance, with its worker inside (the default), while a second instance on
 * the same database goes on. Production's lease and sweep are used as they are: the promise is
 * that a dead instance's emails go out within a minute of its death, each once.
 *
 * Each instance has an SMTP server of its own, so that what instance 1 was sending when it died is
 * known (it waits at its server's MAIL FROM); every count is over both servers together.
 */

let db: Database;
let url: string;
const servers: FakeSmtp[] = [];

beforeAll(async () => {
	({ db, url } = await useTestDatabase());
});

afterEach(async () => {
	await stopInstances();
	await Promise.all(servers.splice(0).map((server) => server.stop()));
});

type Pair = {
	/** Instance 1's SMTP server, which holds every message after its first few. */
	held: FakeSmtp;
	sentFirst: number;
	doomed: Instance;
	survivor: Instance;
};

/** Two instances, instance 1 sending through a server that holds all but its first `sentFirst`. */
async function twoInstances(sentFirst: number, { slowSecond = 0 } = {}): Promise<Pair> {
	const held = await startFakeSmtp({ holdAfter: sentFirst });
	const other = await startFakeSmtp({ delayMs: slowSecond });
	servers.push(held, other);
	// Each visitor's address comes in X-Forwarded-For, as behind a proxy, so that the per-address
	// signup limit sees a crowd of people.
	const env = { ADDRESS_HEADER: 'x-forwarded-for', XFF_DEPTH: '1' };
	const [doomed, survivor] = await Promise.all([
		startInstance({ databaseUrl: url, env: { ...env, SMTP_URL: held.url } }),
		startInstance({ databaseUrl: url, env: { ...env, SMTP_URL: other.url } })
	]);
	return { held, sentFirst, doomed, survivor };
}

/** How often each Message-ID arrived, at either server. */
function arrivals(): Map<string, number> {
	const counts = new Map<string, number>();
	for (const { messageId } of servers.flatMap((server) => server.messages)) {
		counts.set(messageId, (counts.get(messageId) ?? 0) + 1);
	}
	return counts;
}

/**
 * Instance 1 is mid-send: messages wait at its server, and the ones its server accepted are
 * marked sent. Not in the one window no one can close (accepted, the row not marked yet; see
 * deliveries.ts), where a kill sends that message twice.
 */
async function midSend({ held, sentFirst }: Pair): Promise<boolean> {
	if (held.held() === 0 || held.messages.length < sentFirst) return false;
	const sent = await db
		.select({ key: emailDeliveries.key })
		.from(emailDeliveries)
		.where(eq(emailDeliveries.status, 'sent'));
	const marked = new Set(sent.map((d) => messageIdFor(d.key)));
	return held.messages.every((m) => marked.has(m.messageId));
}

/** SIGKILL; resolves with the moment it had died. */
async function kill({ doomed, held }: Pair): Promise<number> {
	expect(await doomed.stop('SIGKILL')).toBeNull();
	const killedAt = Date.now();
	held.release();
	return killedAt;
}

const deliveriesWhere = (condition: SQL | undefined) =>
	db
		.select({
			key: emailDeliveries.key,
			status: emailDeliveries.status,
			attempts: emailDeliveries.attempts
		})
		.from(emailDeliveries)
		.where(condition);

/**
 * Every delivery sent within a minute of the kill, each once, and some of them only by the
 * surviving instance taking over the dead one's claims (a second attempt).
 */
async function expectSentOnceWithinAMinute(
	deliveries: () => ReturnType<typeof deliveriesWhere>,
	killedAt: number
) {
	await waitFor(
		'every email to be sent',
		async () => (await deliveries()).every((d) => d.status === 'sent'),
		killedAt + 60_000 - Date.now()
	);
	await emailJobsSettled(db, new Date(killedAt));
	const sent = await deliveries();
	const counts = arrivals();
	expect(sent.filter((d) => counts.get(messageIdFor(d.key)) !== 1)).toEqual([]);
	expect(sent.filter((d) => d.attempts > 1).length).toBeGreaterThan(0);
}

/**
 * A series date with `members` subscribers, `startsInMinutes` away: at 40, its one-hour reminder
 * is due now; at three days, none is. Returns the date's id and the query for its reminders.
 */
async function seriesDate(slug: string, members: number, startsInMinutes: number) {
	const { browser, user } = await signedUpPractitioner(db);
	const { id } = await publishedSeries(await browser.api(), { slug, capacity: 500 });
	const startsAt = new Date(Date.now() + startsInMinutes * 60_000);
	const [date] = await db
		.insert(seriesOccurrences)
		.values({
			seriesId: id,
			ownerId: user.id,
			originalStartsAt: startsAt,
			startsAt,
			endsAt: new Date(startsAt.getTime() + 60 * 60_000)
		})
		.returning();
	await db.insert(subscribers).values(
		Array.from({ length: members }, (_, i) => ({
			seriesId: id,
			ownerId: user.id,
			name: `Member ${i}`,
			email: `member${i}-${slug}@example.com`,
			consentedAt: new Date(),
			status: 'active' as const
		}))
	);
	const reminders = () => deliveriesWhere(like(emailDeliveries.key, `reminder:${date!.id}:%`));
	return { dateId: date!.id, reminders };
}

type Signup = { email: string; acknowledged: boolean };

/** The public form as a browser with JavaScript posts it; acknowledged when it says success. */
async function signUpAt(instance: Instance, slug: string, n: number): Promise<Signup> {
	const email = `visitor${n}@example.com`;
	try {
		const response = await fetch(`${instance.origin}/s/${slug}`, {
			method: 'POST',
			headers: {
				origin: instance.origin,
				accept: 'application/json',
				'content-type': 'application/x-www-form-urlencoded',
				'x-sveltekit-action': 'true',
				'x-forwarded-for': `10.1.${n >> 8}.${n & 255}`
			},
			body: new URLSearchParams({
				name: `Visitor ${n}`,
				email,
				phone: '',
				consent: 'on',
				website: ''
			})
		});
		const answer = (await response.json()) as { type?: string };
		return { email, acknowledged: response.status === 200 && answer.type === 'success' };
	} catch {
		// Refused or cut off with the instance: no answer, so nothing was promised.
		return { email, acknowledged: false };
	}
}

describe('kill -9 of an instance', () => {
	it('during a signup burst: every acknowledged signup stored, its emails sent once within a minute', async () => {
		const pair = await twoInstances(10);
		const { doomed, survivor } = pair;
		const { browser } = await signedUpPractitioner(db);
		const { id, slug } = await publishedSeries(await browser.api(), {
			slug: 'crash-burst',
			capacity: 500
		});

		// Visitors arrive 24 at a time, taking turns between the instances, until 40 more have
		// been answered after the kill; the kill comes once 40 were acknowledged and instance 1's
		// worker holds claimed confirmations (its first ones waiting at its SMTP server).
		const signups: Signup[] = [];
		let next = 0;
		let killedAt: number | undefined;
		let answeredAfterKill = 0;
		const visitor = async () => {
			while (killedAt === undefined || answeredAfterKill < 40) {
				const n = next++;
				if (n >= 1500) throw new Error('The kill never came: instance 1 held no email.');
				const signup = await signUpAt(n % 2 === 0 ? doomed : survivor, slug, n);
				signups.push(signup);
				if (killedAt !== undefined && signup.acknowledged) answeredAfterKill += 1;
			}
		};
		const killMidBurst = async () => {
			await waitFor(
				'40 acknowledged signups and instance 1 mid-send',
				async () => signups.filter((s) => s.acknowledged).length >= 40 && (await midSend(pair)),
				60_000
			);
			killedAt = await kill(pair);
		};
		await Promise.all([killMidBurst(), ...Array.from({ length: 24 }, visitor)]);

		const stored = await db
			.select({ id: subscribers.id, email: subscribers.email })
			.from(subscribers)
			.where(eq(subscribers.seriesId, id));
		const storedEmails = new Set(stored.map((s) => s.email));
		const acknowledged = signups.filter((s) => s.acknowledged);
		expect(acknowledged.filter((s) => !storedEmails.has(s.email))).toEqual([]);
		expect(signups.some((s) => !s.acknowledged)).toBe(true);

		// Every stored signup, acknowledged or not (cut off after its commit), has its confirmation.
		const theirs = () =>
			deliveriesWhere(
				inArray(
					emailDeliveries.recipient,
					stored.map((s) => s.email)
				)
			);
		const confirmations = await deliveriesWhere(
			and(
				inArray(
					emailDeliveries.recipient,
					stored.map((s) => s.email)
				),
				like(emailDeliveries.key, 'series-confirm:%')
			)
		);
		expect(confirmations).toHaveLength(stored.length);
		await expectSentOnceWithinAMinute(theirs, killedAt!);
	});

	it('during a reminder batch: every reminder sent once within a minute', async () => {
		// Instance 2's server is slow, so that instance 1's worker surely gets a share of the batch.
		const pair = await twoInstances(5, { slowSecond: 100 });
		const { reminders } = await seriesDate('crash-reminders', 200, 40);
		// What the every-minute cron does at the next minute, now.
		await enqueueJob(db, QUEUES.seriesReminders, {});

		await waitFor(
			'instance 1 mid-batch',
			async () => (await reminders()).length === 200 && (await midSend(pair))
		);
		const killedAt = await kill(pair);
		await expectSentOnceWithinAMinute(reminders, killedAt);
	});

	it('while it queues the minute’s reminders: the run is taken up again, and they are sent once within a minute', async () => {
		const smtp = await startFakeSmtp();
		servers.push(smtp);
		const doomed = await startInstance({ databaseUrl: url, env: { SMTP_URL: smtp.url } });
		const { dateId, reminders } = await seriesDate('crash-queueing', 20, 3 * 24 * 60);

		// The run's query for due reminders waits behind this lock: instance 1 dies holding the run.
		// The date comes within its reminder's hour inside the same transaction, so no run of
		// instance 1's every-minute cron can have queued the reminder before.
		let unlock!: () => void;
		const locked = new Promise<void>((resolve) => (unlock = resolve));
		const holder = postgres(url, { max: 1, onnotice: () => {} });
		let held!: () => void;
		const lockTaken = new Promise<void>((resolve) => (held = resolve));
		const holding = holder.begin(async (tx) => {
			await tx`lock table series_occurrences in access exclusive mode`;
			await tx`
				update series_occurrences
				set starts_at = now() + interval '40 minutes', ends_at = now() + interval '100 minutes'
				where id = ${dateId}`;
			held();
			await locked;
		});
		try {
			await Promise.race([lockTaken, holding]);
			await enqueueJob(db, QUEUES.seriesReminders, {});
			await waitFor('instance 1 to be running the reminders', async () => {
				const [running] = await db.execute<{ active: number }>(sql`
					select count(*)::int as active from pgboss.job
					where name = ${QUEUES.seriesReminders} and state = 'active'`);
				return running?.active === 1;
			});
			expect(await doomed.stop('SIGKILL')).toBeNull();
			expect(await reminders()).toEqual([]);
		} finally {
			unlock();
			await holding;
			await holder.end();
		}
		const killedAt = Date.now();
		await startInstance({ databaseUrl: url, env: { SMTP_URL: smtp.url } });

		await waitFor(
			'every reminder to be sent',
			async () => {
				const queued = await reminders();
				return queued.length === 20 && queued.every((d) => d.status === 'sent');
			},
			killedAt + 60_000 - Date.now()
		);
		await emailJobsSettled(db, new Date(killedAt));
		const counts = arrivals();
		expect((await reminders()).filter((d) => counts.get(messageIdFor(d.key)) !== 1)).toEqual([]);
	});
});
