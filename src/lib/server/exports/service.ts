import { sql } from 'drizzle-orm';
import { locationLabels, paymentStatusLabels, sessionStatusLabels } from '../../format';
import { fromMinorUnits } from '../../money';
import type { Db } from '../db';
import { inBatches } from '../db/cursor';
import type { LocationKind, PaymentStatus, SessionStatus } from '../db/schema';
import { notFound } from '../practice-errors';
import type { CsvValue } from '../csv';

type Records = AsyncGenerator<CsvValue[][]>;

/** The header, then the rows of `query` in batches, each row shaped by `toRecord`. */
async function* withHeader<T>(
	db: Db,
	header: string[],
	query: ReturnType<typeof sql>,
	toRecord: (row: T) => CsvValue[]
): Records {
	// The header goes with the first rows, so that the first batch asked for runs the query: a
	// download that cannot be made fails before its answer has begun (see csvDownload).
	const batches = inBatches<T>(db, query);
	const first = await batches.next();
	yield [header, ...(first.done ? [] : first.value.map(toRecord))];
	for await (const rows of batches) yield rows.map(toRecord);
}

/** Column names our own import guesses back (see imports/columns.ts). */
export const CLIENT_HEADER = ['Name', 'Email', 'Phone', 'Tags', 'Notes', 'Archived', 'Created'];

type ClientLine = {
	name: string;
	email: string | null;
	phone: string | null;
	tags: string;
	notes: string;
	archived: boolean;
	created: string;
};

/** Every client of the owner, by name. */
export function exportClients(db: Db, ownerId: string): Records {
	return withHeader<ClientLine>(
		db,
		CLIENT_HEADER,
		sql`select name, email, phone, array_to_string(tags, ', ') as tags, notes,
				archived_at is not null as archived,
				to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as created
			from clients where owner_id = ${ownerId}
			order by lower(name), id`,
		(c) => [c.name, c.email, c.phone, c.tags, c.notes, c.archived ? 'yes' : '', c.created]
	);
}

export const SESSION_HEADER = [
	'Client',
	'Client email',
	'Date',
	'Start time',
	'Duration (minutes)',
	'Time zone',
	'Starts at',
	'Location',
	'Location detail',
	'Fee',
	'Currency',
	'Status',
	'Payment',
	'Paid on'
];

type SessionLine = {
	client: string;
	email: string | null;
	date: string;
	time: string;
	minutes: number;
	time_zone: string;
	starts_at: string;
	location_kind: LocationKind;
	location_detail: string;
	fee_minor: number;
	currency: string;
	status: SessionStatus;
	payment_status: PaymentStatus;
	paid_on: string | null;
};

/**
 * Every session of the owner, in time order. Each carries its local date and time with its zone
 * (what the import reads back) and the instant in ISO 8601 with the zone's offset then.
 */
export function exportSessions(db: Db, ownerId: string): Records {
	return withHeader<SessionLine>(
		db,
		SESSION_HEADER,
		sql`select c.name as client, c.email,
				to_char(l.local, 'YYYY-MM-DD') as date, to_char(l.local, 'HH24:MI') as time,
				(extract(epoch from s.ends_at - s.starts_at) / 60)::int as minutes, s.time_zone,
				to_char(l.local, 'YYYY-MM-DD"T"HH24:MI:SS')
					|| case when l.offset_seconds < 0 then '-' else '+' end
					|| to_char(make_interval(secs => abs(l.offset_seconds)), 'HH24:MI') as starts_at,
				s.location_kind, s.location_detail, s.fee_minor, s.currency, s.status,
				s.payment_status, s.paid_on::text as paid_on
			from sessions s
			join clients c on c.id = s.client_id
			cross join lateral (
				select s.starts_at at time zone s.time_zone as local,
					extract(epoch from (s.starts_at at time zone s.time_zone)
						- (s.starts_at at time zone 'UTC'))::int as offset_seconds
			) l
			where s.owner_id = ${ownerId}
			order by s.starts_at, s.id`,
		(s) => [
			s.client,
			s.email,
			s.date,
			s.time,
			s.minutes,
			s.time_zone,
			s.starts_at,
			locationLabels[s.location_kind],
			s.location_detail,
			fromMinorUnits(s.fee_minor, s.currency),
			s.currency,
			sessionStatusLabels[s.status],
			paymentStatusLabels[s.payment_status],
			s.paid_on
		]
	);
}

type SubscriberLine = {
	name: string;
	email: string;
	phone: string | null;
	status: string;
	unsubscribed: boolean;
	signed_up: string;
};

/** A series' subscribers, once the series is known to be the owner's. */
export async function exportSubscribers(db: Db, ownerId: string, seriesId: string) {
	const [owned] = await db.execute<{ slug: string }>(
		sql`select slug from series where id = ${seriesId} and owner_id = ${ownerId}`
	);
	if (!owned) throw notFound('series');
	return withHeader<SubscriberLine>(
		db,
		['Name', 'Email', 'Phone', 'Status', 'Emails', 'Signed up'],
		sql`select name, email, phone, status, unsubscribed_at is not null as unsubscribed,
				to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as signed_up
			from subscribers where series_id = ${seriesId} and owner_id = ${ownerId}
			order by created_at, id`,
		(p) => [p.name, p.email, p.phone, p.status, p.unsubscribed ? 'unsubscribed' : 'on', p.signed_up]
	);
}
