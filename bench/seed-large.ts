/**
 * `npm run bench:seed`: one practitioner with 10,000 clients and 100,000 sessions, for the
 * benchmark. Resets that practitioner each run (everything of theirs is deleted and made again);
 * nobody else in the database is touched. All rows are generated inside PostgreSQL.
 */
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { hashPassword } from '../src/lib/server/auth/password';
import { ensureDatabase, migrateDatabase } from '../src/lib/server/db/migrate';
import {
	BENCH_CLIENTS,
	BENCH_PRACTITIONER,
	BENCH_SESSIONS,
	benchDatabaseUrl,
	serverUrlAndName
} from './bench-config';

const FIRST_NAMES = [
	'Anna',
	'Ben',
	'Clara',
	'David',
	'Emma',
	'Felix',
	'Greta',
	'Hannah',
	'Ida',
	'Jonas',
	'Karl',
	'Lena',
	'Mia',
	'Noah',
	'Olivia',
	'Paul',
	'Quentin',
	'Rosa',
	'Sophie',
	'Tobias',
	'Ulla',
	'Valentin',
	'Wiebke',
	'Xaver',
	'Yara',
	'Zoë',
	'Amelie',
	'Bastian',
	'Charlotte',
	'Dennis',
	'Elif',
	'Finn',
	'Gül',
	'Henrik',
	'Ines',
	'Jakob',
	'Katharina',
	'Lukas',
	'Marie',
	'Niklas',
	'Oskar',
	'Pia',
	'Rafael',
	'Sara',
	'Theo',
	'Uwe',
	'Vera',
	'William',
	'Yusuf',
	'Zeynep',
	'Aisha',
	'Bruno',
	'Chloé',
	'Dmitri',
	'Eleni',
	'François',
	'Giulia',
	'Hiroshi',
	'Ingrid',
	'José',
	'Kwame',
	'Leila',
	'Mateo',
	'Nadia',
	'Omar',
	'Priya',
	'Rahel',
	'Sven',
	'Tomasz',
	'Ursula',
	'Wen',
	'Alex',
	'Sam',
	'Jordan',
	'Robin',
	'Kim',
	'Chris',
	'Maya',
	'Liam',
	'Nora'
];
const LAST_NAMES = [
	'Müller',
	'Schmidt',
	'Schneider',
	'Fischer',
	'Weber',
	'Meyer',
	'Wagner',
	'Becker',
	'Schulz',
	'Hoffmann',
	'Schäfer',
	'Koch',
	'Bauer',
	'Richter',
	'Klein',
	'Wolf',
	'Schröder',
	'Neumann',
	'Schwarz',
	'Zimmermann',
	'Braun',
	'Krüger',
	'Hofmann',
	'Hartmann',
	'Lange',
	'Schmitt',
	'Werner',
	'Krause',
	'Meier',
	'Lehmann',
	'Schmid',
	'Schulze',
	'Maier',
	'Köhler',
	'Herrmann',
	'König',
	'Walter',
	'Mayer',
	'Huber',
	'Kaiser',
	'Fuchs',
	'Peters',
	'Lang',
	'Scholz',
	'Möller',
	'Weiß',
	'Jung',
	'Hahn',
	'Vogel',
	'Friedrich',
	'Yılmaz',
	'Kaya',
	'Demir',
	'Nowak',
	'Kowalski',
	'Rossi',
	'Russo',
	'García',
	'Martínez',
	'López',
	'Dubois',
	'Lefèvre',
	'Smith',
	'Johnson',
	'Brown',
	'Taylor',
	'Wilson',
	"O'Brien",
	'Murphy',
	'Nguyen',
	'Tanaka',
	'Sato',
	'Kim',
	'Park',
	'Chen',
	'Wang',
	'Okafor',
	'Mensah',
	'Andersson',
	'Nielsen',
	'Novák',
	'Horváth',
	'Popescu',
	'Ivanova',
	'Petrov',
	'Costa',
	'Silva',
	'Santos',
	'Haddad',
	'Cohen',
	'Levi',
	'Berg',
	'Lindqvist',
	'van Dijk',
	'de Vries',
	'Janssen',
	'Peeters',
	'Keller',
	'Brunner',
	'Gruber'
];
const EMAIL_DOMAINS = [
	'gmail.com',
	'web.de',
	'gmx.de',
	'outlook.com',
	'posteo.de',
	'yahoo.com',
	'icloud.com',
	'mailbox.org',
	't-online.de',
	'proton.me',
	'hotmail.com',
	'uni-berlin.de'
];
const CLIENT_NOTES = [
	'Prefers morning appointments.',
	'Referred by Dr. Weber (GP).',
	'Invoice goes to the employer assistance programme.',
	'Needs step-free access; use room 1.',
	'Sliding scale agreed: see intake form.',
	'Prefers sessions in English.',
	'Emergency contact on file.'
];
const MOODS = [
	'feeling more settled',
	'poor sleep and low energy',
	'a stressful week at work',
	'conflict with their partner',
	'fewer panic episodes',
	'rumination before exams',
	'grief around the anniversary',
	'progress with the exposure plan'
];
const OBSERVATIONS = [
	'Calm, well groomed, good eye contact.',
	'Tearful at times; affect congruent.',
	'Restless, spoke quickly, engaged throughout.',
	'Flat affect, brief answers, oriented.',
	'Animated and reflective; humour present.'
];
const PLANS = [
	'Continue weekly sessions; practise breathing exercise daily.',
	'Thought record homework; review next session.',
	'Sleep diary for two weeks.',
	'Graded exposure step 3 before next session.',
	'Discuss reducing to fortnightly in a month.'
];

const url = benchDatabaseUrl();
const { serverUrl, name } = serverUrlAndName(url);
await ensureDatabase(serverUrl, name);
await migrateDatabase(url, fileURLToPath(new URL('../drizzle', import.meta.url)));

const sql = postgres(url, { max: 1, onnotice: () => {} });
const started = performance.now();
const passwordHash = await hashPassword(BENCH_PRACTITIONER.password);
const tz = BENCH_PRACTITIONER.timeZone;

const ownerId = await sql.begin(async (tx) => {
	// Same seed, same data: random() below is repeatable within this transaction.
	await tx`select setseed(0.2026)`;
	// A session's location (loc.kind, loc.detail) from its random number r_loc.
	const location = tx`cross join lateral (select
			case when r_loc < 0.55 then 'in_person' when r_loc < 0.85 then 'zoom'
				when r_loc < 0.9 then 'link' else 'phone' end::location_kind as kind,
			case when r_loc < 0.55 then 'Praxis, Raum ' || (1 + floor(r_loc * 6))::int::text
				when r_loc < 0.85 then 'https://zoom.us/j/' || (8000000000 + floor(r_loc * 1e9))::bigint::text
				when r_loc < 0.9 then 'https://meet.jit.si/sessionboard-' || floor(r_loc * 1e6)::int::text
				else '' end as detail) loc`;
	await tx`delete from users where lower(email) = ${BENCH_PRACTITIONER.email}`;
	const [owner] = await tx<{ id: string }[]>`
		insert into users (email, name, password_hash, email_verified_at, age_confirmed_at, time_zone, currency)
		values (${BENCH_PRACTITIONER.email}, ${BENCH_PRACTITIONER.name}, ${passwordHash}, now(), now(),
			${tz}, ${BENCH_PRACTITIONER.currency})
		returning id`;
	const owner_id = owner!.id;

	await tx`
		insert into clients (owner_id, name, email, phone, notes, tags, archived_at, created_at, updated_at)
		select ${owner_id}, p.name,
			case
				when p.r_email < 0.08 then null
				else regexp_replace(
					translate(lower(case
						when p.r_email < 0.45 then p.first || '.' || p.last
						when p.r_email < 0.6 then p.first || p.last
						when p.r_email < 0.72 then left(p.first, 1) || '.' || p.last
						when p.r_email < 0.82 then p.first || '_' || p.last || (p.i % 100)::text
						else p.first || (p.i % 1000)::text
					end), 'äöüßéèêáàíóòúñçëïøåıőčšž', 'aouseeeaaioounceioaiocsz'),
					'[^a-z0-9._]', '', 'g')
					|| '@' || (${EMAIL_DOMAINS}::text[])[1 + floor(p.r_domain * ${EMAIL_DOMAINS.length})::int]
			end,
			case
				when p.r_phone < 0.3 then null
				when p.r_phone < 0.6 then '+49 1' || (50 + floor(p.r_digits * 30))::int::text || ' '
					|| lpad(floor(p.r_digits * 1e8)::bigint::text, 8, '0')
				when p.r_phone < 0.75 then '030 ' || lpad(floor(p.r_digits * 1e7)::bigint::text, 7, '0')
				when p.r_phone < 0.85 then '+44 7700 ' || lpad(floor(p.r_digits * 1e6)::bigint::text, 6, '0')
				when p.r_phone < 0.93 then '+1 (' || (200 + floor(p.r_digits * 700))::int::text || ') 555-'
					|| lpad(floor(p.r_digits * 1e4)::bigint::text, 4, '0')
				else '+43 660 ' || lpad(floor(p.r_digits * 1e7)::bigint::text, 7, '0')
			end,
			case when p.r_notes < 0.3
				then (${CLIENT_NOTES}::text[])[1 + floor(p.r_notes / 0.3 * ${CLIENT_NOTES.length})::int]
				else '' end,
			array_remove(array[
				case when random() < 0.55 then 'individual' end,
				case when random() < 0.12 then 'couples' end,
				case when random() < 0.06 then 'family' end,
				case when random() < 0.08 then 'adolescent' end,
				case when random() < 0.15 then 'sliding-scale' end,
				case when random() < 0.25 then 'insurance' end,
				case when random() < 0.20 then 'self-pay' end,
				case when random() < 0.30 then 'online' end,
				case when random() < 0.07 then 'emdr' end,
				case when random() < 0.10 then 'cbt' end,
				case when random() < 0.03 then 'supervision' end,
				case when random() < 0.04 then 'waitlist' end
			], null),
			case when p.r_archived < 0.15 then p.created_at + (p.r_archived * 4000) * interval '1 hour' end,
			p.created_at, p.created_at
		from (
			select i, f.first, l.last,
				f.first
					|| case when r_mid < 0.07 then ' ' || chr(65 + floor(r_mid * 371)::int % 26) || '.' else '' end
					|| ' ' || l.last
					|| case when r_mid > 0.95 then '-' || (${LAST_NAMES}::text[])[1 + (i * 7919) % ${LAST_NAMES.length}] else '' end
					as name,
				r_email, r_domain, r_phone, r_digits, r_notes, r_archived,
				now() - (r_created * interval '2200 days') as created_at
			from (
				select i, random() as r_first, random() as r_last, random() as r_mid, random() as r_email,
					random() as r_domain, random() as r_phone, random() as r_digits, random() as r_notes,
					random() as r_archived, random() as r_created
				from generate_series(1, ${BENCH_CLIENTS}) as i
			) r
			cross join lateral (select (${FIRST_NAMES}::text[])[1 + floor(r.r_first * ${FIRST_NAMES.length})::int] as first) f
			cross join lateral (select (${LAST_NAMES}::text[])[1 + floor(r.r_last * ${LAST_NAMES.length})::int] as last) l
		) p
		order by p.created_at`;

	// Clients numbered 1..n (all) and 1..m (not archived), so a session can pick one by a random number.
	await tx`
		create temp table bench_pick on commit drop as
		select row_number() over (order by created_at, id)::int as n,
			(case when archived_at is null
				then row_number() over (partition by archived_at is null order by created_at, id) end)::int as active_n,
			id
		from clients where owner_id = ${owner_id}`;
	await tx`create index on bench_pick (n)`;
	await tx`create index on bench_pick (active_n)`;
	const [{ active } = { active: 0 }] = await tx<{ active: number }[]>`
		select count(active_n)::int as active from bench_pick`;

	// Today and the next six weeks look like a real practice: weekdays, 50 minutes on the hour.
	await tx`
		with slots as materialized (
			select (d::date + make_time(h, 0, 0)) at time zone ${tz} as starts_at,
				random() as r_keep, random() as r_client, random() as r_status, random() as r_pay,
				random() as r_fee, random() as r_loc
			from generate_series(
				(now() at time zone ${tz})::date, (now() at time zone ${tz})::date + 41, interval '1 day') d
			cross join generate_series(9, 17) h
			where extract(isodow from d) < 6
		), picked as (
			select s.*, p.id as client_id,
				case
					when s.starts_at + interval '50 minutes' <= now() then 'completed'
					when s.r_status < 0.05 then 'cancelled'
					else 'scheduled'
				end::session_status as status
			from slots s
			join bench_pick p on p.active_n = 1 + floor(power(s.r_client, 1.5) * ${active})::int
			where s.r_keep < 0.8
		)
		insert into sessions (owner_id, client_id, starts_at, ends_at, time_zone, location_kind,
			location_detail, fee_minor, currency, status, payment_status, paid_on, started_at, finished_at,
			created_at, updated_at)
		select ${owner_id}, client_id, starts_at, starts_at + interval '50 minutes', ${tz},
			loc.kind, loc.detail,
			case when r_fee < 0.02 then 0 else 6000 + 500 * floor(r_fee * 13)::int end,
			case when r_fee > 0.97 then 'GBP' else 'EUR' end,
			status,
			case when status = 'completed' and r_pay < 0.3 then 'paid' else 'unpaid' end::payment_status,
			case when status = 'completed' and r_pay < 0.3 then (now() at time zone ${tz})::date end,
			case when status = 'completed' then starts_at end,
			case when status = 'completed' then starts_at + interval '50 minutes' end,
			starts_at - interval '21 days', least(now(), starts_at + interval '1 hour')
		from picked
		${location}
		order by starts_at`;
	const [{ upcoming } = { upcoming: 0 }] = await tx<{ upcoming: number }[]>`
		select count(*)::int as upcoming from sessions where owner_id = ${owner_id}`;

	// The rest is history, packed into back-to-back half-hour slots around the clock before today:
	// 100,000 sessions for one practitioner cannot fit a few years any other way without overlapping.
	const history = BENCH_SESSIONS - upcoming;
	await tx`
		with slots as materialized (
			select k, date_trunc('day', now() at time zone ${tz}) at time zone ${tz}
					- (k + 1) * interval '30 minutes' as starts_at,
				random() as r_client, random() as r_status, random() as r_pay, random() as r_fee,
				random() as r_loc, random() as r_dur
			from generate_series(0, ${history - 1}) as k
		), picked as (
			select s.*, p.id as client_id,
				case
					when s.r_status < 0.80 then 'completed'
					when s.r_status < 0.83 then 'no_show'
					when s.r_status < 0.95 then 'cancelled'
					else 'late_cancelled'
				end::session_status as status,
				-- Recent sessions are often not paid yet; older ones mostly are.
				case when s.k < 48 * 45 then 0.45 else 0.02 end as unpaid_share
			from slots s
			join bench_pick p on p.n = 1 + floor(power(s.r_client, 1.5) * ${BENCH_CLIENTS})::int
		), priced as (
			select picked.*,
				case
					when status = 'cancelled' then 'unpaid'
					when r_pay < unpaid_share then 'unpaid'
					when r_pay < unpaid_share + 0.03 then 'waived'
					else 'paid'
				end::payment_status as payment
			from picked
		)
		insert into sessions (owner_id, client_id, starts_at, ends_at, time_zone, location_kind,
			location_detail, fee_minor, currency, status, payment_status, paid_on, started_at, finished_at,
			created_at, updated_at)
		select ${owner_id}, client_id, starts_at,
			starts_at + case when r_dur < 0.7 then interval '30 minutes' else interval '25 minutes' end,
			${tz}, loc.kind, loc.detail,
			case when r_fee < 0.02 then 0 else 6000 + 500 * floor(r_fee * 13)::int end,
			case when r_fee > 0.97 then 'GBP' else 'EUR' end,
			status, payment,
			case when payment = 'paid' then least((now() at time zone ${tz})::date,
				(starts_at at time zone ${tz})::date + floor(r_pay * 21)::int) end,
			case when status = 'completed' then starts_at end,
			case when status = 'completed' then starts_at + interval '25 minutes' end,
			starts_at - interval '14 days', starts_at + interval '1 hour'
		from priced
		${location}
		order by starts_at`;

	// Notes on most completed sessions: SOAP, DAP or free; signed a week after, a few with addenda.
	await tx`
		with done as materialized (
			select id, starts_at, ends_at, random() as r_note, random() as r_tmpl, random() as r_text,
				random() as r_sign
			from sessions where owner_id = ${owner_id} and status = 'completed'
		)
		insert into session_notes (owner_id, session_id, template, body, version, signed_at, created_at, updated_at)
		select ${owner_id}, id, tmpl.t,
			case
				when r_text < 0.03 then ''
				when tmpl.t = 'soap' then
					'**S:** Client reports ' || mood || '.' || E'\n\n' || '**O:** ' || obs || E'\n\n'
					|| '**A:** Presentation consistent with the working formulation; risk low.' || E'\n\n'
					|| '**P:** ' || plan
				when tmpl.t = 'dap' then
					'**Data:** We explored ' || mood || '. ' || obs || E'\n\n'
					|| '**Assessment:** Engaged; insight growing.' || E'\n\n' || '**Plan:** ' || plan
				else
					'## Session notes' || E'\n\n' || '- Topic: ' || mood || E'\n' || '- ' || obs || E'\n'
					|| '- Next: ' || plan
			end,
			case when ends_at < now() - interval '7 days' and r_sign < 0.92 then 2 else 1 end,
			case when ends_at < now() - interval '7 days' and r_sign < 0.92
				then ends_at + interval '2 hours' + r_sign * interval '3 days' end,
			ends_at + interval '10 minutes',
			case when ends_at < now() - interval '7 days' and r_sign < 0.92
				then ends_at + interval '2 hours' + r_sign * interval '3 days'
				else ends_at + interval '40 minutes' end
		from done
		cross join lateral (select
			case when r_tmpl < 0.5 then 'soap' when r_tmpl < 0.75 then 'dap' else 'free' end::note_template as t,
			(${MOODS}::text[])[1 + floor(r_text * ${MOODS.length})::int] as mood,
			(${OBSERVATIONS}::text[])[1 + floor(r_tmpl * 997)::int % ${OBSERVATIONS.length}] as obs,
			(${PLANS}::text[])[1 + floor(r_sign * 991)::int % ${PLANS.length}] as plan) tmpl
		where r_note < 0.6`;
	await tx`
		insert into note_addenda (owner_id, note_id, body, created_at)
		select ${owner_id}, id,
			'Addendum: client called afterwards to add context about ' ||
				(${MOODS}::text[])[1 + floor(r * 1000)::int % ${MOODS.length}] || '.',
			signed_at + interval '2 days'
		from (select id, signed_at, random() as r from session_notes
			where owner_id = ${owner_id} and signed_at is not null) n
		where r < 0.02`;
	return owner_id;
});

// A real database's autovacuum would have done this by now. It matters: until a vacuum, the rows
// just inserted sit in the trigram index's pending list, which every search scans one by one.
await sql`vacuum analyze users, clients, sessions, session_notes, note_addenda`;

const [summary] = await sql<
	{
		clients: number;
		archived: number;
		sessions: number;
		upcoming: number;
		first: string;
		last: string;
		notes: number;
		signed: number;
		addenda: number;
		unpaid: number;
	}[]
>`
	select
		(select count(*)::int from clients where owner_id = ${ownerId}) as clients,
		(select count(*)::int from clients where owner_id = ${ownerId} and archived_at is not null) as archived,
		(select count(*)::int from sessions where owner_id = ${ownerId}) as sessions,
		(select count(*)::int from sessions where owner_id = ${ownerId} and starts_at >= now()) as upcoming,
		(select min(starts_at)::date::text from sessions where owner_id = ${ownerId}) as first,
		(select max(starts_at)::date::text from sessions where owner_id = ${ownerId}) as last,
		(select count(*)::int from session_notes where owner_id = ${ownerId}) as notes,
		(select count(*)::int from session_notes where owner_id = ${ownerId} and signed_at is not null) as signed,
		(select count(*)::int from note_addenda where owner_id = ${ownerId}) as addenda,
		(select count(*)::int from sessions where owner_id = ${ownerId} and payment_status = 'unpaid'
			and status in ('completed', 'late_cancelled', 'no_show') and fee_minor <> 0) as unpaid`;
const statuses = await sql<{ status: string; payment: string; count: number }[]>`
	select status::text, payment_status::text as payment, count(*)::int as count
	from sessions where owner_id = ${ownerId} group by 1, 2 order by 1, 2`;
await sql.end();

const s = summary!;
console.log(`
Bench data ready in ${((performance.now() - started) / 1000).toFixed(1)} s (${new URL(url).host}${new URL(url).pathname}):
  clients:  ${s.clients} (${s.archived} archived)
  sessions: ${s.sessions} from ${s.first} to ${s.last}, ${s.upcoming} still ahead; ${s.unpaid} billable and unpaid
            ${statuses.map((r) => `${r.status}/${r.payment} ${r.count}`).join(', ')}
  notes:    ${s.notes} (${s.signed} signed), ${s.addenda} addenda

Sign in as the bench practitioner:
  email:    ${BENCH_PRACTITIONER.email}
  password: ${BENCH_PRACTITIONER.password}
`);
