import { createHash } from 'node:crypto';
import { and, eq, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import { PgTransaction } from 'drizzle-orm/pg-core';
import { config } from '../config';
import type { Database, Db } from '../db';
import { perDatabase } from '../db/per-database';
import { emailDeliveries, type EmailDelivery } from '../db/schema';
import { inParallel } from '../in-parallel';
import { enqueueDeliveries, wakeEmailWorkers } from '../jobs/queues';
import { keyedBatches } from '../keyed-batches';
import { keepInOutbox, sendSmtp, usesOutbox, type Email } from './mailer';
import { checkedPurpose, type EmailPurpose } from './purposes';

/**
 * Every email leaves the app through here. Exactly once rests on two things:
 * - the key: one row per real email (recipient, purpose, occurrence…), unique in the database, so
 *   queueing the same email again — a retried request, a second app instance — adds nothing;
 * - the claim: a worker sends a delivery only after a conditional UPDATE moved it to `sending`
 *   under a lease, so two workers never send one delivery. The worker renews the lease while it
 *   lives (see holdClaims), so a slow send keeps its claim and a dead worker's claim runs out
 *   within one lease.
 */

export type QueuedEmail = { key: string; purpose: EmailPurpose; email: Email };

/**
 * Where a delivery keeps its sender's display name (Email.fromName): among its headers, under a
 * name no header can have (a colon ends a header's name), so it is never sent as one.
 */
const FROM_NAME = ':from-name';

function storedHeaders(email: Email): Record<string, string> {
	const headers = email.headers ?? {};
	return email.fromName ? { ...headers, [FROM_NAME]: email.fromName } : headers;
}

/** Emails per insert statement, which bounds the size of its one parameter. */
const INSERT_CHUNK = 500;

/**
 * Stores the emails whose keys are new and adds a send job for each, atomically: in `db` when it
 * is a transaction already, else in one of its own. Returns the ids of the deliveries that were new.
 */
export async function queueEmails(db: Db, emails: QueuedEmail[]): Promise<string[]> {
	if (emails.length === 0) return [];
	const inTransaction = db instanceof PgTransaction;
	const store = async (tx: Db) => {
		const created: string[] = [];
		for (let start = 0; start < emails.length; start += INSERT_CHUNK) {
			const rows = emails.slice(start, start + INSERT_CHUNK).map(({ key, purpose, email }) => ({
				key,
				purpose: checkedPurpose(purpose, email),
				recipient: email.to,
				subject: email.subject,
				text: email.text,
				html: email.html,
				headers: storedHeaders(email),
				attachments: email.attachments ?? []
			}));
			// One JSON parameter per chunk: one statement text for every size, nothing built per value.
			const inserted = await tx.execute<{ id: string }>(sql`
				insert into ${emailDeliveries} (key, purpose, recipient, subject, text, html, headers, attachments)
				select key, purpose, recipient, subject, text, html, headers, attachments
				from json_to_recordset(${JSON.stringify(rows)}::json) as e(key text, purpose text,
					recipient text, subject text, text text, html text, headers jsonb, attachments jsonb)
				on conflict (key) do nothing
				returning id`);
			created.push(...inserted.map((r) => r.id));
		}
		await enqueueDeliveries(tx, created);
		return created;
	};
	const ids = inTransaction ? await store(db) : await db.transaction(store);
	if (ids.length > 0) {
		// A worker woken before the caller's transaction commits finds nothing and sleeps a poll.
		if (inTransaction) setTimeout(wakeEmailWorkers, 100).unref();
		else wakeEmailWorkers();
	}
	return ids;
}

/** One email; null when an email with this key was queued before (and so is not sent again). */
export async function queueEmail(db: Db, email: QueuedEmail): Promise<string | null> {
	const [id] = await queueEmails(db, [email]);
	return id ?? null;
}

export type DeliveryPolicy = {
	/**
	 * How long a claim holds unless renewed; its worker renews it every third of this while it
	 * works on it. After a crash, another worker may take the delivery over this long after the
	 * last renewal.
	 */
	leaseSeconds: number;
	/** Attempts before an email the SMTP server refuses outright (a 5xx reply) is given up as `failed`. */
	maxAttempts: number;
	/** The first retry of a failed send after this long, the delay doubling with each attempt… */
	retryDelaySeconds: number;
	/** …up to this, so that an email waiting out a long outage goes soon after the server is back. */
	maxRetryDelaySeconds: number;
	/**
	 * An email the server could not take yet (unreachable, timing out, a 4xx reply) is retried for
	 * this long after it was queued, as a mail server keeps a message through its peer's outage.
	 */
	retryUnreachableForSeconds: number;
};

export const defaultPolicy: DeliveryPolicy = {
	leaseSeconds: 30,
	maxAttempts: 5,
	retryDelaySeconds: 10,
	maxRetryDelaySeconds: 60,
	retryUnreachableForSeconds: 2 * 24 * 60 * 60
};

/** A failed attempt: how many attempts the delivery had, how long ago it was queued, and whether the server refused it for good (5xx). */
export type FailedAttempt = { attempts: number; queuedForSeconds: number; refused: boolean };

/** What follows a failed attempt under `policy`: giving up, or another attempt this many seconds later. */
export function afterFailure(
	policy: DeliveryPolicy,
	{ attempts, queuedForSeconds, refused }: FailedAttempt
): { giveUp: true } | { giveUp: false; retryInSeconds: number } {
	const giveUp = refused
		? attempts >= policy.maxAttempts
		: queuedForSeconds >= policy.retryUnreachableForSeconds;
	if (giveUp) return { giveUp };
	const doubled = policy.retryDelaySeconds * 2 ** Math.min(attempts - 1, 30);
	return { giveUp, retryInSeconds: Math.min(doubled, policy.maxRetryDelaySeconds) };
}

/** Nodemailer's codes for a mail server it could not reach or lost on the way. */
const UNREACHABLE = new Set(['ECONNECTION', 'ESOCKET', 'ETIMEDOUT', 'EPROTOCOL', 'EDNS']);

/**
 * Only a 4xx reply or a server out of reach may pass later, however long that takes; a 5xx reply
 * refuses the message for good, and any other failure (an envelope or message nodemailer refuses,
 * a bug) would come again the same way.
 */
export function isRefusal(error: unknown): boolean {
	const { responseCode, code } = (error ?? {}) as { responseCode?: unknown; code?: unknown };
	if (typeof responseCode === 'number') return responseCode >= 500;
	return !(typeof code === 'string' && UNREACHABLE.has(code));
}

/**
 * What happened to a delivery: `sent` now; `settled` already sent or failed (or unknown);
 * `busy` claimed by another worker whose lease still runs; `retry` this attempt failed and
 * another will follow; `failed` the last attempt failed.
 */
export type DeliveryOutcome =
	{ status: 'sent' | 'settled' | 'busy' } | { status: 'retry' | 'failed'; error: string };

/** Stable per key: a message that does go out twice can be recognised as one by the receiving side. */
export function messageIdFor(key: string): string {
	const { address } = config().EMAIL_FROM;
	const domain = address.slice(address.lastIndexOf('@') + 1);
	return `<${createHash('sha256').update(key).digest('hex').slice(0, 40)}@${domain}>`;
}

const claimable = () =>
	or(
		eq(emailDeliveries.status, 'queued'),
		and(eq(emailDeliveries.status, 'sending'), lt(emailDeliveries.leaseUntil, sql`now()`))
	);

const claim = (policy: DeliveryPolicy) => ({
	status: 'sending' as const,
	attempts: sql`${emailDeliveries.attempts} + 1`,
	leaseUntil: sql`now() + ${policy.leaseSeconds} * interval '1 second'`
});

/**
 * Claims the given deliveries that are free: queued, or sending under a lease that ran out (its
 * worker died). Concurrent claims of one row serialise on the row lock; the loser re-reads the
 * row, no longer finds it claimable, and gets nothing.
 */
function claimByIds(db: Db, ids: string[], policy: DeliveryPolicy): Promise<EmailDelivery[]> {
	return db
		.update(emailDeliveries)
		.set(claim(policy))
		.where(and(inArray(emailDeliveries.id, ids), claimable()))
		.returning();
}

/**
 * Claims deliveries no job is going to bring: a lease that ran out (its worker died); never tried
 * for longer than a lease, although a worker claims what its job brings at once (the job is held
 * by a worker that died before claiming, or was lost, or the delivery was queued before the job
 * tables existed); or a failed attempt's retry that is due, as retries are this sweep's to make.
 * SKIP LOCKED lets several workers sweep at once without waiting on each other.
 */
function claimStranded(db: Db, policy: DeliveryPolicy, limit: number): Promise<EmailDelivery[]> {
	const stranded = sql`select ${emailDeliveries.id} from ${emailDeliveries}
		where (${emailDeliveries.status} = 'queued' and ${emailDeliveries.attempts} = 0
				and ${emailDeliveries.createdAt} < now() - ${policy.leaseSeconds} * interval '1 second')
			or (${emailDeliveries.status} = 'queued' and ${emailDeliveries.attempts} > 0
				and coalesce(${emailDeliveries.nextAttemptAt}, ${emailDeliveries.createdAt}) <= now())
			or (${emailDeliveries.status} = 'sending' and ${emailDeliveries.leaseUntil} < now())
		order by ${emailDeliveries.createdAt}
		limit ${limit}
		for update skip locked`;
	return db
		.update(emailDeliveries)
		.set(claim(policy))
		.where(and(sql`${emailDeliveries.id} in (${stranded})`, claimable()))
		.returning();
}

function errorText(error: unknown): string {
	return (error instanceof Error ? error.message : String(error)).slice(0, 2000);
}

/** The stored bodies may hold single-use links that the token tables keep only as hashes. */
const sentColumns = {
	status: 'sent' as const,
	sentAt: sql`now()`,
	leaseUntil: null,
	nextAttemptAt: null,
	lastError: null,
	text: '',
	html: '',
	attachments: []
};

/** Only while our claim is the current one: `attempts` changes with every claim. */
const stillOurs = (row: { id: string | SQL; attempts: number | SQL }) =>
	and(
		eq(emailDeliveries.id, row.id),
		eq(emailDeliveries.status, 'sending'),
		eq(emailDeliveries.attempts, row.attempts)
	);

function emailOf(row: EmailDelivery): Email {
	const { [FROM_NAME]: fromName, ...headers } = row.headers;
	return {
		to: row.recipient,
		...(fromName ? { fromName } : {}),
		subject: row.subject,
		text: row.text,
		html: row.html,
		headers,
		attachments: row.attachments
	};
}

/**
 * Sends one claimed delivery and records the result.
 *
 * The one window exactly-once cannot close: SMTP accepts the message, and the worker dies before
 * the row says `sent`. The claim then runs out and another worker sends it again. No protocol
 * between a database and an SMTP server avoids this; it is kept short (the row is marked the
 * moment the server answers) and the repeat carries the same Message-ID, so receiving servers and
 * mail clients that deduplicate by Message-ID show it once. The local outbox has no such window:
 * the outbox row and `sent` commit together.
 */
async function sendClaimed(
	db: Database,
	row: EmailDelivery,
	policy: DeliveryPolicy,
	hold: Hold
): Promise<DeliveryOutcome> {
	const messageId = messageIdFor(row.key);
	try {
		if (usesOutbox()) {
			const kept = await db.transaction(async (tx) => {
				const marked = await tx
					.update(emailDeliveries)
					.set(sentColumns)
					.where(stillOurs(row))
					.returning({ id: emailDeliveries.id });
				if (marked.length) await keepInOutbox(tx, emailOf(row), messageId);
				return marked.length > 0;
			});
			return { status: kept ? 'sent' : 'busy' };
		}
		if (!(await hold.stillHeld(row.id))) return { status: 'busy' };
		await sendSmtp(emailOf(row), messageId);
	} catch (error) {
		return recordFailure(db, row, policy, error);
	}
	await markSent(db, row);
	return { status: 'sent' };
}

type Claim = { id: string; attempts: number };

/**
 * Keeps a worker's claims alive while it works on them. Every third of a lease one statement
 * renews the lease of each claim still in hand, so a send that is slow, or that waits its turn in
 * a large batch, keeps its claim however long it takes, while a worker that dies stops renewing
 * and its claims run out within one lease. A claim found taken over (the renewals could not reach
 * the database for a whole lease) is no longer in hand.
 */
function holdClaims(db: Db, rows: EmailDelivery[], policy: DeliveryPolicy, claimedAt: number) {
	const inHand = new Map(rows.map((row) => [row.id, row.attempts]));
	const leaseMs = policy.leaseSeconds * 1000;
	let renewedAt = claimedAt;
	let renewing: Promise<void> | undefined;

	const renewAll = () =>
		(renewing ??= (async () => {
			const claims: Claim[] = [...inHand].map(([id, attempts]) => ({ id, attempts }));
			if (claims.length === 0) return;
			const startedAt = performance.now();
			const held = sql`json_to_recordset(${JSON.stringify(claims)}::json) as held(id uuid, attempts integer)`;
			const renewed = await db
				.update(emailDeliveries)
				.set({ leaseUntil: claim(policy).leaseUntil })
				.from(held)
				.where(stillOurs({ id: sql`held.id`, attempts: sql`held.attempts` }))
				.returning({ id: emailDeliveries.id });
			const kept = new Set(renewed.map((r) => r.id));
			for (const { id } of claims) if (!kept.has(id)) inHand.delete(id);
			renewedAt = startedAt;
		})().finally(() => (renewing = undefined)));

	// A failed renewal is tried again by the next beat, or before the next send.
	const beat = setInterval(() => renewAll().catch(() => {}), leaseMs / 3);
	return {
		/**
		 * Before a send: at least half the lease must be left, so that it outlasts the send until
		 * the next beat; else the claims are renewed first. False when the claim is not ours now.
		 */
		async stillHeld(id: string): Promise<boolean> {
			if (performance.now() - renewedAt > leaseMs / 2) await renewAll();
			return inHand.has(id);
		},
		release(id: string): void {
			inHand.delete(id);
		},
		stop(): void {
			clearInterval(beat);
		}
	};
}

type Hold = ReturnType<typeof holdClaims>;

/** Sends claimed deliveries, a few at once, holding their claims until each is settled. */
async function sendAll(
	db: Database,
	rows: EmailDelivery[],
	policy: DeliveryPolicy,
	/** performance.now() just before the claim. */
	claimedAt: number
): Promise<DeliveryOutcome[]> {
	const hold = holdClaims(db, rows, policy, claimedAt);
	try {
		return await inParallel(rows, SEND_CONCURRENCY, async (row) => {
			try {
				return await sendClaimed(db, row, policy, hold);
			} finally {
				hold.release(row.id);
			}
		});
	} finally {
		hold.stop();
	}
}

/** Bounds one mark statement: far more than the sends a worker has running at once. */
const MARK_BATCH = 100;

/**
 * Sends that finish while a mark is on its way are marked together when it returns: one
 * statement and one commit for a handful of emails instead of one each, and none kept waiting
 * longer than the statement before it.
 */
const markSentTogether = perDatabase((db) =>
	keyedBatches(async (_: string, claims: Claim[]) => {
		const marks = sql`json_to_recordset(${JSON.stringify(claims)}::json) as marks(id uuid, attempts integer)`;
		await db
			.update(emailDeliveries)
			.set(sentColumns)
			.from(marks)
			.where(stillOurs({ id: sql`marks.id`, attempts: sql`marks.attempts` }));
		return claims.map(() => ({ ok: true as const, value: undefined }));
	}, MARK_BATCH)
);

/**
 * After SMTP accepted the message, the row must say so: a short database hiccup here is retried,
 * because reporting it as a failed send would queue the message again.
 */
async function markSent(db: Database, row: EmailDelivery): Promise<void> {
	for (let attempt = 1; ; attempt++) {
		try {
			await markSentTogether(db)('', { id: row.id, attempts: row.attempts });
			return;
		} catch (error) {
			if (attempt === 3) throw error;
			await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
		}
	}
}

async function recordFailure(
	db: Database,
	row: EmailDelivery,
	policy: DeliveryPolicy,
	error: unknown
): Promise<DeliveryOutcome> {
	const next = afterFailure(policy, {
		attempts: row.attempts,
		queuedForSeconds: (Date.now() - row.createdAt.getTime()) / 1000,
		refused: isRefusal(error)
	});
	const lastError = errorText(error);
	const [after] = await db
		.update(emailDeliveries)
		.set({
			status: next.giveUp ? 'failed' : 'queued',
			nextAttemptAt: next.giveUp ? null : sql`now() + ${next.retryInSeconds} * interval '1 second'`,
			leaseUntil: null,
			lastError
		})
		.where(stillOurs(row))
		.returning({ status: emailDeliveries.status });
	return { status: after?.status === 'failed' ? 'failed' : 'retry', error: lastError };
}

/** As many sends at once as the SMTP pool has connections. */
const SEND_CONCURRENCY = 5;

/** Claims and sends what it can of these deliveries; says what became of each. */
export async function deliverMany(
	db: Database,
	ids: string[],
	policy: DeliveryPolicy = defaultPolicy
): Promise<Map<string, DeliveryOutcome>> {
	const outcomes = new Map<string, DeliveryOutcome>();
	if (ids.length === 0) return outcomes;
	const claimedAt = performance.now();
	const claimed = await claimByIds(db, ids, policy);
	const sent = await sendAll(db, claimed, policy, claimedAt);
	claimed.forEach((row, i) => outcomes.set(row.id, sent[i]!));

	const unclaimed = ids.filter((id) => !outcomes.has(id));
	if (unclaimed.length > 0) {
		const rows = await db
			.select({ id: emailDeliveries.id, status: emailDeliveries.status })
			.from(emailDeliveries)
			.where(inArray(emailDeliveries.id, unclaimed));
		// Queued yet not claimed only happens when another claim just gave it back: try again later.
		const busy = new Set(
			rows.filter((r) => r.status === 'sending' || r.status === 'queued').map((r) => r.id)
		);
		for (const id of unclaimed) outcomes.set(id, { status: busy.has(id) ? 'busy' : 'settled' });
	}
	return outcomes;
}

export async function deliver(
	db: Database,
	id: string,
	policy: DeliveryPolicy = defaultPolicy
): Promise<DeliveryOutcome> {
	return (await deliverMany(db, [id], policy)).get(id)!;
}

/**
 * The safety net behind the jobs, and the maker of retries: sends what no job will; returns how
 * many it took on.
 */
export async function sweepStranded(
	db: Database,
	policy: DeliveryPolicy,
	limit = 200
): Promise<number> {
	const claimedAt = performance.now();
	const claimed = await claimStranded(db, policy, limit);
	await sendAll(db, claimed, policy, claimedAt);
	return claimed.length;
}
