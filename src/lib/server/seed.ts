import { eq, sql } from 'drizzle-orm';
import { hashPassword } from './auth/password';
import type { Db } from './db';
import { clients, series, subscribers, users } from './db/schema';
import { weekdayFields } from './series/schemas';
import { createSeries } from './series/service';

export const DEMO_PRACTITIONER = {
	name: 'Dana Demo',
	email: 'demo@sessionboard.localhost',
	password: 'demo practice passphrase 2026',
	timeZone: 'Europe/Berlin'
};

const FIRST = [
	'Amira',
	'Ben',
	'Chloé',
	'Dmitri',
	'Elif',
	'Farah',
	'Gustav',
	'Hana',
	'Ines',
	'Jonas'
];
const LAST = ['Okafor', 'Lindqvist', 'Moreau', 'Petrov', 'Yılmaz'];
const TAGS = ['individual', 'couples', 'online', 'sliding scale', 'new'];

const NOTE = `## Subjective
Reports sleeping better since the last session; work stress still high on Mondays.

## Objective
Calm, engaged, good eye contact.

## Assessment
Steady progress on the goals agreed in the first session.

## Plan
- Keep the evening routine
- Try the breathing exercise before meetings`;

async function upsertDemoUser(db: Db): Promise<string> {
	const passwordHash = await hashPassword(DEMO_PRACTITIONER.password);
	const [existing] = await db
		.select({ id: users.id })
		.from(users)
		.where(eq(sql`lower(${users.email})`, DEMO_PRACTITIONER.email));
	if (existing) {
		await db
			.update(users)
			.set({ passwordHash, emailVerifiedAt: sql`coalesce(${users.emailVerifiedAt}, now())` })
			.where(eq(users.id, existing.id));
		return existing.id;
	}
	const [created] = await db
		.insert(users)
		.values({
			name: DEMO_PRACTITIONER.name,
			email: DEMO_PRACTITIONER.email,
			passwordHash,
			timeZone: DEMO_PRACTITIONER.timeZone,
			emailVerifiedAt: new Date(),
			ageConfirmedAt: new Date()
		})
		.returning({ id: users.id });
	return created!.id;
}

/**
 * Fifty clients, each with a weekly slot (a weekday and an hour, so nothing overlaps) from about
 * five months ago to a month ahead: past sessions mostly completed and paid, some no-shows and
 * cancellations, notes on completed ones (signed after a week).
 */
async function seedPractice(db: Db, ownerId: string, timeZone: string): Promise<void> {
	const people = LAST.flatMap((last, l) =>
		FIRST.map((first, f) => {
			const n = l * FIRST.length + f;
			return {
				ownerId,
				name: `${first} ${last}`,
				email: `${first
					.toLowerCase()
					.normalize('NFD')
					.replace(/[^a-z]/g, '')}.${last
					.toLowerCase()
					.normalize('NFD')
					.replace(/[^a-z]/g, '')}@example.com`,
				phone: n % 3 === 0 ? '' : `+49 30 ${String(5550100 + n * 7)}`,
				tags: [TAGS[n % TAGS.length]!, ...(n % 4 === 0 ? ['online'] : [])].filter(
					(t, i, all) => all.indexOf(t) === i
				),
				archivedAt: n % 17 === 16 ? new Date() : null
			};
		})
	);
	await db.insert(clients).values(people.map((p) => ({ ...p, phone: p.phone || null })));

	// Slot n: weekday n % 5 (Monday first) at 08:00 + n / 5 hours, local time, 26 weeks.
	await db.execute(sql`
		with numbered as (
			select id, (row_number() over (order by lower(name), id) - 1)::int as n
			from ${clients} where ${clients.ownerId} = ${ownerId}
		), slots as (
			select c.id as client_id, c.n, w,
				((date_trunc('week', now() at time zone ${timeZone})::date - 21 * 7 + (c.n % 5) + 7 * w)
					+ make_time(8 + c.n / 5, 0, 0)) at time zone ${timeZone} as starts_at
			from numbered c cross join generate_series(0, 25) as w
		), shaped as (
			select *, abs(hashtext(client_id::text || w::text)) % 20 as roll from slots
		)
		insert into sessions (owner_id, client_id, starts_at, ends_at, time_zone, location_kind, location_detail,
			fee_minor, currency, status, payment_status, paid_on)
		select ${ownerId}, client_id, starts_at, starts_at + interval '50 minutes', ${timeZone},
			(case when n % 4 = 0 then 'link' else 'in_person' end)::location_kind,
			case when n % 4 = 0 then 'https://meet.example.org/dana-demo' else 'Praxis, Torstraße 12, Berlin' end,
			(6000 + (n % 7) * 1000), 'EUR',
			(case when starts_at > now() then 'scheduled'
				when roll = 0 then 'no_show' when roll = 1 then 'late_cancelled' when roll = 2 then 'cancelled'
				else 'completed' end)::session_status,
			(case when starts_at > now() or roll = 2 then 'unpaid'
				when roll = 1 and n % 2 = 0 then 'waived'
				when starts_at < now() - interval '14 days' or roll % 3 = 0 then 'paid'
				else 'unpaid' end)::payment_status,
			case when starts_at <= now() and roll <> 2 and not (roll = 1 and n % 2 = 0)
				and (starts_at < now() - interval '14 days' or roll % 3 = 0)
				then (starts_at at time zone ${timeZone})::date end
		from shaped`);

	await db.execute(sql`
		insert into session_notes (owner_id, session_id, template, body, signed_at, created_at, updated_at)
		select owner_id, id, 'soap', ${NOTE}, case when ends_at < now() - interval '7 days' then ends_at + interval '2 hours' end,
			ends_at + interval '1 hour', ends_at + interval '1 hour'
		from sessions
		where owner_id = ${ownerId} and status = 'completed' and abs(hashtext(id::text)) % 10 < 7`);
}

const SERIES = [
	{
		title: 'Tuesday evening yoga',
		description: 'A gentle **vinyasa** flow for all levels. Bring a mat; blocks are provided.',
		weekday: 'tue',
		startTime: '18:30',
		capacity: 12,
		locationKind: 'in_person',
		locationDetail: 'Studio 2, Torstraße 12, Berlin',
		people: 14
	},
	{
		title: 'Mindful mornings (online)',
		description: 'Thirty minutes of guided meditation before work.',
		weekday: 'fri',
		startTime: '07:30',
		capacity: 30,
		locationKind: 'online',
		locationDetail: 'https://meet.example.org/mindful-mornings',
		people: 9
	}
] as const;

/** Two published series; the first is full with a waitlist. Subscribers are seeded as confirmed. */
async function seedSeries(db: Db, ownerId: string, timeZone: string): Promise<void> {
	for (const [index, item] of SERIES.entries()) {
		const { id } = await createSeries(db, ownerId, {
			title: item.title,
			slug: '',
			description: item.description,
			timeZone,
			...weekdayFields([]),
			[item.weekday]: true,
			startTime: item.startTime,
			startDate: new Date().toISOString().slice(0, 10),
			endKind: 'never',
			endDate: '',
			occurrenceCount: 10,
			durationMinutes: index === 0 ? 75 : 30,
			capacity: item.capacity,
			locationKind: item.locationKind,
			locationDetail: item.locationDetail,
			remind24h: true,
			remind1h: true,
			pricing: 'free',
			price: '',
			currency: 'EUR',
			billingInterval: 'month'
		});
		await db.update(series).set({ status: 'published' }).where(eq(series.id, id));
		const people = Array.from({ length: item.people }, (_, n) => {
			const first = FIRST[(n + index * 3) % FIRST.length]!;
			const last = LAST[(n + index) % LAST.length]!;
			return {
				seriesId: id,
				ownerId,
				name: `${first} ${last}`,
				email: `${first}.${last}.${index}${n}@example.net`
					.toLowerCase()
					.normalize('NFD')
					.replace(/[^a-z0-9.@]/g, ''),
				phone: n % 2 ? `+49 170 ${String(2000000 + n * 13)}` : null,
				status: n < item.capacity ? ('active' as const) : ('waitlisted' as const),
				arrival: sql`nextval('subscriber_arrival_seq')`,
				consentedAt: new Date(),
				confirmedAt: new Date()
			};
		});
		await db.insert(subscribers).values(people);
	}
}

/**
 * Creates the demo practitioner, or resets it to its known password, and gives it a practice the
 * first time. Safe to run again.
 */
export async function seedDemoData(db: Db): Promise<typeof DEMO_PRACTITIONER> {
	const ownerId = await upsertDemoUser(db);
	const [hasClients] = await db
		.select({ id: clients.id })
		.from(clients)
		.where(eq(clients.ownerId, ownerId))
		.limit(1);
	if (!hasClients) {
		await db.transaction(async (tx) => {
			await seedPractice(tx, ownerId, DEMO_PRACTITIONER.timeZone);
			await seedSeries(tx, ownerId, DEMO_PRACTITIONER.timeZone);
		});
	}
	return DEMO_PRACTITIONER;
}
