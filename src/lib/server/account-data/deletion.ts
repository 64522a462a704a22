import { TRPCError } from '@trpc/server';
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { z } from 'zod';
import { confirmPassword } from '../account/service';
import { invalidateOtherAuthSessions } from '../auth/session';
import type { Db } from '../db';
import { emailDeliveries, outboxEmails, series, subscribers, users, type User } from '../db/schema';
import { messageIdFor, queueEmails } from '../email/deliveries';
import { seriesEndedMessage } from '../email/templates';
import { revokeAndForget } from '../integrations/zoom/connection';
import { JOB_SCHEMA } from '../jobs/queues';
import { endAccountSubscriptions } from '../payments/subscriptions';
import { childrenFirst, ownedTables } from './owned-tables';
import type { deleteAccountSchema } from './schemas';

/**
 * Everyone holding a place or waiting in a published series is told it ended. The email carries
 * the series' title and their own name and nothing of the account, and it is keyed by the series
 * and the subscriber, so it outlives both: the delivery has no key to any row that is deleted.
 */
async function tellSubscribersTheSeriesEnded(tx: Db, user: User): Promise<void> {
	const people = await tx
		.select({
			seriesId: series.id,
			title: series.title,
			id: subscribers.id,
			name: subscribers.name,
			email: subscribers.email
		})
		.from(subscribers)
		.innerJoin(series, eq(series.id, subscribers.seriesId))
		.where(
			and(
				eq(series.ownerId, user.id),
				eq(series.status, 'published'),
				inArray(subscribers.status, ['active', 'held', 'waitlisted']),
				isNull(subscribers.unsubscribedAt)
			)
		);
	await queueEmails(
		tx,
		people.map((person) => ({
			key: `series-ended:${person.seriesId}:${person.id}`,
			purpose: 'series-ended',
			email: seriesEndedMessage(person.email, person.name, person.title)
		}))
	);
}

/**
 * What is told or cancelled while the account's data still exists, in the deletion's transaction,
 * before its rows go. (Stripe subscriptions end and Zoom's grant is revoked before the
 * transaction: see deleteAccount.)
 */
const beforeDeletion: ((tx: Db, user: User) => Promise<void>)[] = [tellSubscribersTheSeriesEnded];

/**
 * Rows that name the account without a key to it: the record of emails to it and to its
 * subscribers (their keys name the account or the subscriber), the local outbox's copies of
 * them, and queued jobs whose data names it (a password reset carries the address).
 * Emails are found by their key, never by the address: another practitioner's client or
 * subscriber may have it, and what was sent to them is that practitioner's record.
 * Rate-limit counters stay: they hold only hashes, and run out with their window.
 */
async function forgetUnkeyedRows(tx: Db, user: User): Promise<void> {
	const deliveries = await tx.execute<{ id: string; key: string }>(sql`
		delete from ${emailDeliveries} d
		where strpos(d.key, ${user.id}) > 0
			or exists (select 1 from ${subscribers} s
				where s.owner_id = ${user.id} and strpos(d.key, s.id::text) > 0)
		returning d.id, d.key`);
	// Its copy in the outbox carries the delivery's Message-ID, also when sent to an earlier address.
	const messageIds = deliveries.map((d) => messageIdFor(d.key));
	await tx
		.delete(outboxEmails)
		.where(inArray(sql`${outboxEmails.headers}->>'Message-ID'`, messageIds));

	const jobTables = await tx.execute<{ name: string }>(sql`
		select format('%I.%I', n.nspname, c.relname) as name
		from pg_class c join pg_namespace n on n.oid = c.relnamespace
		where n.nspname = ${JOB_SCHEMA} and c.relkind in ('r', 'p') and not c.relispartition`);
	// Whole string values only, anywhere in the row: the jobs of jan@x.io name an@x.io as text too.
	for (const { name } of jobTables) {
		await tx.execute(sql`
			delete from ${sql.raw(name)} t
			where exists (
				select 1 from jsonb_path_query(to_jsonb(t), 'strict $.** ? (@.type() == "string")') v
				where lower(v #>> '{}') in (${user.id}, lower(${user.email})))`);
	}
	// A send job's id is its delivery's id (see enqueueDeliveries).
	if (jobTables.some(({ name }) => name === `${JOB_SCHEMA}.job`)) {
		await tx.execute(sql`
			delete from ${sql.identifier(JOB_SCHEMA)}.job
			where id::text = any(string_to_array(${deliveries.map((d) => d.id).join(',')}, ','))`);
	}
}

/**
 * Deletes the account and every row that belongs to it, in one transaction, after asking for its
 * password again. Every sign-in ends; those on other devices are announced, so that every app
 * instance closes their sockets. This one's is not: its page would leave for the sign-in page
 * before it could follow the answer to where it says the account is gone.
 */
export async function deleteAccount(
	db: Db,
	userId: string,
	currentSessionId: string,
	input: z.output<typeof deleteAccountSchema>
): Promise<void> {
	await confirmPassword(db, userId, input.password, 'password');
	// Outside the transaction: Stripe's webhooks about these cancellations would wait on its locks.
	// Stripe out of reach throws here, and nothing is deleted.
	await endAccountSubscriptions(db, userId);
	// Zoom's grant is revoked while its token can still be read, and forgotten at once; Zoom out of
	// reach does not stop the deletion (the tokens go with the account either way, and the revoke's
	// failure is logged).
	await revokeAndForget(db, userId);
	await db.transaction(async (tx) => {
		const [user] = await tx.select().from(users).where(eq(users.id, userId)).for('update');
		if (!user) throw new TRPCError({ code: 'NOT_FOUND', message: 'This account is gone already.' });
		await forgetUnkeyedRows(tx, user);
		for (const step of beforeDeletion) await step(tx, user);
		await invalidateOtherAuthSessions(tx, userId, currentSessionId);
		for (const table of childrenFirst(await ownedTables(tx))) {
			await tx.execute(sql`delete from ${sql.raw(table.qualified)} where ${table.rowsOf(userId)}`);
		}
	});
}
