import { and, eq, like, sql } from 'drizzle-orm';
import { unzipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { DOCUMENT_NAME } from '../../src/lib/server/account-data/export';
import type { Database } from '../../src/lib/server/db';
import { todayIn } from '../../src/lib/server/time-zones';
import {
	authSessions,
	emailDeliveries,
	emailTokens,
	securityEvents,
	subscribers,
	users
} from '../../src/lib/server/db/schema';
import { startWorker } from '../../src/lib/server/jobs/worker';
import {
	emailsTo,
	signedUpPractitioner,
	STRONG_PASSWORD,
	TestBrowser,
	tokenFromEmail
} from './support/browser';
import { useTestDatabase } from './support/database';
import { failure } from './support/errors';
import { emailJobsSettled } from './support/jobs';
import { makeClient, makeSessions } from './support/practice';
import { publishedSeries, signUpAndConfirm } from './support/series';

let db: Database;
let url: string;

type Api = Awaited<ReturnType<TestBrowser['api']>>;

/**
 * Tables of the test's own, as a feature added later would make them: one with a key to users
 * that does nothing on delete, one under it, one in another schema with a secret by its name, and
 * one whose rows can refuse to go.
 */
const OWN_TABLES = sql`
	create table keepsakes (
		id serial primary key,
		owner_id uuid not null references users(id),
		label text not null);
	create table keepsake_notes (
		id serial primary key,
		keepsake_id integer not null references keepsakes(id),
		body text not null);
	create table fragile (
		owner_id uuid not null references users(id) on delete cascade,
		label text not null);
	create function refuse_delete() returns trigger language plpgsql as $$
		begin if old.label = 'refuse' then raise exception 'refused'; end if; return old; end $$;
	create trigger fragile_refuses before delete on fragile for each row execute function refuse_delete();
	create schema extras;
	create table extras.things (
		user_id uuid not null references public.users(id) on delete cascade,
		access_token text not null,
		note text not null)`;

/** A practitioner with one of everything, the test's own tables included. */
async function practice(name: string) {
	const person = await signedUpPractitioner(db, name);
	const api = await person.browser.api();
	const client = await makeClient(api, {
		name: `${name}'s client`,
		email: `client-of-${name}@example.com`
	});
	const formula = await makeClient(api, { name: '=HYPERLINK("http://evil.test")' });
	const { ids } = await makeSessions(api, client.id, {
		date: '2026-11-02',
		repeat: 'weekly',
		count: 2
	});
	const { version } = await api.notes.save({
		sessionId: ids[0]!,
		template: 'free',
		body: `${name}'s note`,
		baseVersion: 0
	});
	await api.notes.sign({ sessionId: ids[0]!, version });
	await api.notes.addAddendum({ sessionId: ids[0]!, body: `${name}'s addendum` });
	const series = await publishedSeries(api, { title: `${name}'s series` });
	await signUpAndConfirm(db, series.slug, 1);
	await signUpAndConfirm(db, series.slug, 2);
	const [keepsake] = await db.execute<{ id: number }>(
		sql`insert into keepsakes (owner_id, label) values (${person.user.id}, ${`${name}'s keepsake`}) returning id`
	);
	await db.execute(
		sql`insert into keepsake_notes (keepsake_id, body) values (${keepsake!.id}, ${`${name}'s keepsake note`})`
	);
	await db.execute(
		sql`insert into extras.things (user_id, access_token, note) values (${person.user.id}, ${`token-of-${name}`}, ${`${name}'s thing`})`
	);
	return { ...person, api, clientId: client.id, formulaId: formula.id, series };
}

type Practice = Awaited<ReturnType<typeof practice>>;

/** The whole download, read as the browser receives it, and unpacked. */
async function download(api: Api): Promise<Record<string, string>> {
	const { archive } = await api.accountData.export();
	const chunks: Uint8Array[] = [];
	for await (const chunk of archive) chunks.push(chunk);
	const files = unzipSync(Buffer.concat(chunks));
	// Keeping the byte-order mark, which decoding drops by default.
	const text = new TextDecoder('utf-8', { ignoreBOM: true });
	return Object.fromEntries(
		Object.entries(files).map(([name, bytes]) => [name, text.decode(bytes)])
	);
}

let first: Practice;
let second: Practice;

beforeAll(async () => {
	({ db, url } = await useTestDatabase());
	await db.execute(OWN_TABLES);
	first = await practice('Ada');
	second = await practice('Bo');
});

describe('download all my data', () => {
	let files: Record<string, string>;
	let document: { tables: Record<string, Record<string, unknown>[]> };
	beforeAll(async () => {
		files = await download(await first.browser.api());
		document = JSON.parse(files[DOCUMENT_NAME]!);
	});

	it('holds a JSON document and a CSV per table the account owns, tables added later included', () => {
		const owned = [
			'users',
			'auth_sessions',
			'email_tokens',
			'security_events',
			'clients',
			'sessions',
			'session_recurrences',
			'session_notes',
			'note_addenda',
			'series',
			'series_occurrences',
			'subscribers',
			'keepsakes',
			'keepsake_notes',
			'extras.things'
		];
		expect(Object.keys(document.tables).sort()).toEqual(expect.arrayContaining(owned));
		expect(Object.keys(files).sort()).toEqual(
			[DOCUMENT_NAME, ...Object.keys(document.tables).map((t) => `csv/${t}.csv`)].sort()
		);
		expect(document.tables.keepsake_notes).toEqual([
			expect.objectContaining({ body: "Ada's keepsake note" })
		]);
		expect(document.tables['extras.things']).toEqual([
			expect.objectContaining({ note: "Ada's thing" })
		]);
		expect(document.tables.subscribers).toHaveLength(2);
		expect(document.tables.note_addenda).toEqual([
			expect.objectContaining({ body: "Ada's addendum" })
		]);
		expect(files['csv/keepsakes.csv']).toBe(
			`\uFEFFid,owner_id,label\r\n1,${first.user.id},Ada's keepsake\r\n`
		);
	});

	it('holds nothing of another account', () => {
		const everything = Object.values(files).join('\n');
		for (const trace of [second.user.id, second.email, second.clientId, second.series.id, "Bo's"]) {
			expect([trace, everything.includes(trace)]).toEqual([trace, false]);
		}
		expect(everything).toContain(first.clientId);
	});

	it('holds no password hash, sign-in or link secret, nor a column named for a secret', async () => {
		const [user] = await db.select().from(users).where(eq(users.id, first.user.id));
		const signIns = await db
			.select()
			.from(authSessions)
			.where(eq(authSessions.userId, first.user.id));
		const links = await db.select().from(emailTokens).where(eq(emailTokens.userId, first.user.id));
		const secrets = [
			user!.passwordHash!,
			...signIns.flatMap((s) => [s.id, s.secretHash]),
			...links.flatMap((t) => [t.id, t.secretHash]),
			'token-of-Ada'
		];
		expect(signIns.length).toBeGreaterThan(0);
		expect(links.length).toBeGreaterThan(0);
		const everything = Object.values(files).join('\n');
		for (const secret of secrets)
			expect([secret, everything.includes(secret)]).toEqual([secret, false]);
		const columns = Object.values(document.tables).flatMap((rows) => rows.flatMap(Object.keys));
		for (const column of ['password_hash', 'secret_hash', 'access_token']) {
			expect(columns).not.toContain(column);
		}
		expect(files['csv/auth_sessions.csv']!.split('\r\n')[0]).not.toMatch(/(^|,)id(,|$)/);
	});

	it('defuses formulas in the CSV files', () => {
		expect(files['csv/clients.csv']).toContain(`"'=HYPERLINK(""http://evil.test"")"`);
	});

	it('is named for the practitioner’s day, not the UTC one', async () => {
		// Whatever the hour in UTC, one of these zones is on another day.
		const timeZone = new Date().getUTCHours() >= 10 ? 'Pacific/Kiritimati' : 'Pacific/Pago_Pago';
		expect(todayIn(timeZone)).not.toBe(new Date().toISOString().slice(0, 10));
		const person = await signedUpPractitioner(db, 'Dee');
		const api = await person.browser.api();
		await api.account.updateProfile({
			name: 'Dee',
			timeZone,
			currency: 'EUR',
			locale: 'en-GB',
			clock: 'locale'
		});
		// A caller reads its account once: this one sees the zone just chosen.
		const { filename } = await (await person.browser.api()).accountData.export();
		expect(filename).toBe(`sessionboard-data-${todayIn(timeZone)}.zip`);
	});

	it('is written to the security log', async () => {
		const kinds = await db
			.select({ kind: securityEvents.kind })
			.from(securityEvents)
			.where(eq(securityEvents.userId, first.user.id));
		expect(kinds.map((k) => k.kind)).toContain('data_exported');
	});

	it('is read while it is sent: a download stopped early leaves no transaction open', async () => {
		const api = await second.browser.api();
		await db.execute(sql`
			insert into clients (owner_id, name, notes)
			select ${second.user.id}, 'Bulk ' || n, repeat(md5(n::text), 40)
			from generate_series(1, 3000) n`);
		const openTransactions = async () => {
			const [row] = await db.execute<{ n: number }>(sql`
				select count(*)::int as n from pg_stat_activity
				where datname = current_database() and xact_start is not null and pid <> pg_backend_pid()`);
			return row!.n;
		};
		const { archive } = await api.accountData.export();
		const reading = archive[Symbol.asyncIterator]();
		const firstChunk = await reading.next();
		expect(firstChunk.done).toBe(false);
		expect(await openTransactions()).toBe(1);
		await reading.return?.();
		expect(await openTransactions()).toBe(0);
	});
});

describe('change of email', () => {
	it('is confirmed at the new address, tells the old one, and moves the sign-in there', async () => {
		const person = await signedUpPractitioner(db, 'Cleo');
		const api = await person.browser.api();
		const newEmail = `new-${person.email}`;
		expect(await api.account.requestEmailChange({ newEmail, password: STRONG_PASSWORD })).toEqual({
			email: newEmail
		});
		expect((await (await person.browser.api()).account.me()).email).toBe(person.email);

		const token = await tokenFromEmail(db, newEmail, '/confirm-email');
		const stranger = await new TestBrowser(db).api();
		expect(await stranger.account.confirmEmailChange({ token })).toEqual({ email: newEmail });
		expect((await (await person.browser.api()).account.me()).email).toBe(newEmail);

		const [notice] = await emailsTo(db, person.email);
		expect(notice!.subject).toBe('Your Sessionboard email was changed');
		expect(notice!.text).toContain(`ne…@example.com`);

		const kinds = await db
			.select({ kind: securityEvents.kind })
			.from(securityEvents)
			.where(eq(securityEvents.userId, person.user.id));
		expect(kinds.map((k) => k.kind)).toEqual(
			expect.arrayContaining(['email_change_requested', 'email_changed'])
		);

		const signIn = (email: string) =>
			new TestBrowser(db).api().then((a) => a.account.signIn({ email, password: STRONG_PASSWORD }));
		await expect(signIn(newEmail)).resolves.toEqual({ googleLinked: false });
		expect((await failure(signIn(person.email))).code).toBe('UNAUTHORIZED');

		// Used once: a second click changes nothing.
		expect((await failure(stranger.account.confirmEmailChange({ token }))).code).toBe(
			'BAD_REQUEST'
		);
	});

	it('refuses a wrong or expired link, and a wrong password', async () => {
		const person = await signedUpPractitioner(db, 'Dan');
		const api = await person.browser.api();
		const wrong = await failure(
			api.account.requestEmailChange({ newEmail: 'dan-new@example.com', password: 'not it at all' })
		);
		expect(wrong.code).toBe('BAD_REQUEST');
		expect(await emailsTo(db, 'dan-new@example.com')).toHaveLength(0);

		await api.account.requestEmailChange({
			newEmail: 'dan-new@example.com',
			password: STRONG_PASSWORD
		});
		const token = await tokenFromEmail(db, 'dan-new@example.com', '/confirm-email');
		const forged = `${token.split('.')[0]}.${'A'.repeat(token.split('.')[1]!.length)}`;
		expect((await failure(api.account.confirmEmailChange({ token: forged }))).code).toBe(
			'BAD_REQUEST'
		);
		await db
			.update(emailTokens)
			.set({ expiresAt: new Date(Date.now() - 1000) })
			.where(eq(emailTokens.userId, person.user.id));
		expect((await failure(api.account.confirmEmailChange({ token }))).code).toBe('BAD_REQUEST');
		expect((await (await person.browser.api()).account.me()).email).toBe(person.email);
	});

	it('to an address that has an account answers alike, and sends its holder a notice, never a link', async () => {
		const holder = await signedUpPractitioner(db, 'Eve');
		const person = await signedUpPractitioner(db, 'Fay');
		const api = await person.browser.api();
		const taken = await api.account.requestEmailChange({
			newEmail: holder.email.toUpperCase(),
			password: STRONG_PASSWORD
		});
		expect(taken).toEqual({ email: holder.email });
		const [notice] = await emailsTo(db, holder.email);
		expect(notice!.subject).toBe('Someone tried to move an account to your email');
		expect(notice!.text).not.toContain('/confirm-email');
		expect((await (await person.browser.api()).account.me()).email).toBe(person.email);
	});

	it('to an address taken after the link was sent is refused, and changes nothing', async () => {
		const person = await signedUpPractitioner(db, 'Gus');
		const api = await person.browser.api();
		const newEmail = `later-${person.email}`;
		await api.account.requestEmailChange({ newEmail, password: STRONG_PASSWORD });
		const token = await tokenFromEmail(db, newEmail, '/confirm-email');
		await (
			await new TestBrowser(db).api()
		).account.signUp({
			name: 'Quick',
			email: newEmail,
			password: STRONG_PASSWORD,
			ageConfirmed: true,
			timeZone: 'UTC'
		});
		expect((await failure(api.account.confirmEmailChange({ token }))).code).toBe('CONFLICT');
		expect((await (await person.browser.api()).account.me()).email).toBe(person.email);
	});

	it('to the address it already has is refused beside the field', async () => {
		const person = await signedUpPractitioner(db, 'Hal');
		const api = await person.browser.api();
		const error = await failure(
			api.account.requestEmailChange({ newEmail: person.email, password: STRONG_PASSWORD })
		);
		expect(error.code).toBe('BAD_REQUEST');
	});
});

/**
 * Every table of every schema of ours, and how many of its rows name any of `traces` but none of
 * `othersRecords` (ids of records another account keeps).
 */
async function rowsNaming(
	traces: string[],
	othersRecords: string[] = []
): Promise<Record<string, number>> {
	const tables = await db.execute<{ name: string }>(sql`
		select format('%I.%I', table_schema, table_name) as name from information_schema.tables
		where table_type = 'BASE TABLE'
			and table_schema not in ('pg_catalog', 'information_schema') and table_schema not like 'pg\\_%'
		order by 1`);
	const found: Record<string, number> = {};
	for (const { name } of tables) {
		const naming = (values: string[]) =>
			sql.join(
				values.map((value) => sql`strpos(lower(t::text), lower(${value})) > 0`),
				sql` or `
			);
		const others = othersRecords.length > 0 ? sql`and not (${naming(othersRecords)})` : sql``;
		const [row] = await db.execute<{ n: number }>(
			sql`select count(*)::int as n from ${sql.raw(name)} t where (${naming(traces)}) ${others}`
		);
		found[name] = row!.n;
	}
	return found;
}

/** Every row that names the practitioner, as text, by table: what "untouched" is compared on. */
async function rowsOf(person: Practice): Promise<Record<string, string[]>> {
	const counts = await rowsNaming([person.user.id, person.email]);
	const result: Record<string, string[]> = {};
	for (const name of Object.keys(counts)) {
		const rows = await db.execute<{ row: string }>(sql`
			select t::text as row from ${sql.raw(name)} t
			where strpos(t::text, ${person.user.id}) > 0 or strpos(lower(t::text), ${person.email}) > 0`);
		result[name] = rows.map((r) => r.row).sort();
	}
	return result;
}

describe('deleting the account', () => {
	/** Queued password resets for `email`, as pg-boss holds them. */
	async function resetJobsFor(email: string): Promise<number> {
		const [row] = await db.execute<{ n: number }>(sql`
			select count(*)::int as n from pgboss.job
			where name = 'account.password-reset' and data->>'email' = ${email}`);
		return row!.n;
	}

	it('keeps the queued jobs of another account whose address contains its own', async () => {
		const leaving = await signedUpPractitioner(db, 'Lu');
		const other = await signedUpPractitioner(db, 'Jan');
		await db
			.update(users)
			.set({ email: `jan${leaving.email}` })
			.where(eq(users.id, other.user.id));
		const signedOut = await new TestBrowser(db).api();
		await signedOut.account.requestPasswordReset({ email: leaving.email });
		await signedOut.account.requestPasswordReset({ email: `jan${leaving.email}` });

		await (await leaving.browser.api()).accountData.deleteAccount({ password: STRONG_PASSWORD });

		expect(await resetJobsFor(leaving.email)).toBe(0);
		expect(await resetJobsFor(`jan${leaving.email}`)).toBe(1);
	});

	it('asks for the password again, and keeps everything when it is wrong', async () => {
		const person = await signedUpPractitioner(db, 'Ivy');
		const api = await person.browser.api();
		const error = await failure(api.accountData.deleteAccount({ password: 'not my password' }));
		expect(error.code).toBe('BAD_REQUEST');
		expect((await (await person.browser.api()).account.me()).id).toBe(person.user.id);
	});

	it('that fails half way deletes nothing, and tells nobody', async () => {
		const person = await practice('Kit');
		await db.execute(
			sql`insert into fragile (owner_id, label) values (${person.user.id}, 'refuse')`
		);
		const before = await rowsOf(person);
		const error = await failure(
			person.api.accountData.deleteAccount({ password: STRONG_PASSWORD })
		);
		expect(error.code).toBe('INTERNAL_SERVER_ERROR');
		expect(await rowsOf(person)).toEqual(before);
		const told = await db
			.select()
			.from(emailDeliveries)
			.where(like(emailDeliveries.recipient, `%-${person.series.slug}@example.com`));
		expect(told.filter((email) => email.purpose === 'series-ended')).toEqual([]);
	});

	it('leaves no row anywhere that names the account, tells subscribers, and leaves the other account as it was', async () => {
		const worker = await startWorker(url, { crons: false, log: () => {} });
		const leaving = await practice('Jo');
		const api = leaving.api;
		// One subscriber stopped emails: they are not written to.
		const [quiet] = await db
			.select()
			.from(subscribers)
			.where(
				and(eq(subscribers.seriesId, leaving.series.id), like(subscribers.email, 'visitor2-%'))
			);
		await db
			.update(subscribers)
			.set({ unsubscribedAt: new Date() })
			.where(eq(subscribers.id, quiet!.id));
		// An earlier address, emails sent (outbox) and one still queued, and a reset job naming it.
		const oldEmail = leaving.email;
		await api.account.requestEmailChange({
			newEmail: `moved-${oldEmail}`,
			password: STRONG_PASSWORD
		});
		const token = await tokenFromEmail(db, `moved-${oldEmail}`, '/confirm-email');
		await api.account.confirmEmailChange({ token });
		// Jo also takes Bo's series, under the same address: a subscriber of Bo's, not Jo's data.
		const asVisitor = await new TestBrowser(db).api();
		await asVisitor.subscribers.signUp({
			slug: second.series.slug,
			fields: { name: 'Jo', email: `moved-${oldEmail}`, phone: '', consent: true, website: '' }
		});
		const [boSubscriber] = await db
			.select({ id: subscribers.id })
			.from(subscribers)
			.where(
				and(eq(subscribers.seriesId, second.series.id), eq(subscribers.email, `moved-${oldEmail}`))
			);
		await emailJobsSettled(db);
		await worker.stop();
		await (
			await new TestBrowser(db).api()
		).account.requestPasswordReset({ email: `moved-${oldEmail}` });
		const otherBefore = await rowsOf(second);
		const traces = [leaving.user.id, oldEmail, `moved-${oldEmail}`];
		expect(Object.values(await rowsNaming(traces)).some((n) => n > 0)).toBe(true);

		const secondSignIn = new TestBrowser(db);
		await (
			await secondSignIn.api()
		).account.signIn({
			email: `moved-${oldEmail}`,
			password: STRONG_PASSWORD
		});
		await api.accountData.deleteAccount({ password: STRONG_PASSWORD });

		// Bo's record of a subscriber, and of the emails sent to them, stays Bo's: it names the
		// subscriber's id, so the walk passes over it, and it is checked to be whole below.
		const left = Object.entries(await rowsNaming(traces, [boSubscriber!.id])).filter(
			([, n]) => n > 0
		);
		expect(left).toEqual([]);
		expect(await rowsOf(second)).toEqual(otherBefore);
		const boKeeps = await rowsNaming([`moved-${oldEmail}`]);
		expect(boKeeps).toMatchObject({
			'public.subscribers': 1,
			'public.email_deliveries': 1,
			'public.outbox_emails': 1
		});

		// Every sign-in ended, and the address signs in no more.
		for (const browser of [leaving.browser, secondSignIn]) {
			expect((await failure((await browser.api()).account.me())).code).toBe('UNAUTHORIZED');
		}
		const signIn = await new TestBrowser(db).api();
		const refused = await failure(
			signIn.account.signIn({ email: `moved-${oldEmail}`, password: STRONG_PASSWORD })
		);
		expect(refused.code).toBe('UNAUTHORIZED');

		// The subscriber who still takes emails is told the series ended; the quiet one is not.
		const ended = await db
			.select()
			.from(emailDeliveries)
			.where(eq(emailDeliveries.purpose, 'series-ended'));
		expect(ended.map((e) => e.recipient)).toEqual([`visitor1-${leaving.series.slug}@example.com`]);
		expect(ended[0]!.text).toContain("“Jo's series” has ended");
	});
});
