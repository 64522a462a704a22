import { TRPCError } from '@trpc/server';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { locationLabels, paymentStatusLabels, sessionStatusLabels } from '../../format';
import { toMinorUnits } from '../../money';
import { isTimeZone, localDate } from '../../validation';
import { clientFields, parseTags } from '../clients/schemas';
import { wallTimeAt } from '../calendar/zone-offsets';
import type { Db } from '../db';
import { EXCLUSION_VIOLATION, pgErrorCode } from '../pg-errors';
import { locationFromText } from '../sessions/location';
import { SLOT_HOLDING } from '../sessions/service';
import {
	createSessionSchema,
	locationKinds,
	paymentStatuses,
	sessionStatuses
} from '../sessions/schemas';
import {
	CLIENT_ALIASES,
	fold,
	guessMapping,
	SESSION_ALIASES,
	type ClientField,
	type ImportKind,
	type Mapping,
	type SessionField
} from './columns';
import { readCsv, type CsvTable } from './read-csv';
import type { importClientsSchema, importSessionsSchema } from './schemas';

export type RowError = { row: number; column: string; message: string };
export type ImportOutcome =
	| { imported: false; errors: RowError[]; errorCount: number }
	| { imported: true; created: number; merged: number; skipped: number };

/** How many errors a refused import lists; the count says how many there were in all. */
export const LISTED_ERRORS = 100;
const PREVIEW_ROWS = 5;

const tableOf = (file: string): CsvTable => readCsv(Buffer.from(file, 'base64'));

/** Spreadsheet numbering: the header is row 1, so the first row of data is row 2. */
const rowNumber = (index: number) => index + 2;

/** The header, the first rows and the guessed mapping, for the page to show before importing. */
export function previewImport(kind: ImportKind, file: string) {
	const table = tableOf(file);
	const mapping =
		kind === 'clients'
			? guessMapping(table.header, CLIENT_ALIASES)
			: guessMapping(table.header, SESSION_ALIASES);
	return {
		header: table.header,
		sample: table.rows.slice(0, PREVIEW_ROWS),
		rowCount: table.rows.length,
		delimiter: table.delimiter,
		mapping: mapping as Record<string, number | null>
	};
}

/** The most characters a form's field takes, read from its schema so that the import agrees. */
const maxLengthOf = (field: z.ZodString | z.ZodDefault<z.ZodString>) =>
	(field instanceof z.ZodDefault ? field.unwrap() : field).maxLength!;

/** A date, a time, a duration, an amount or a word from a list, with room to spare. */
const SHORT_CELL = 100;

const clientName = maxLengthOf(clientFields.shape.name);
const clientEmail = maxLengthOf(clientFields.shape.email);
const locationDetail = maxLengthOf(createSessionSchema.shape.locationDetail);

/**
 * The most characters each field's cell may hold. A cell can hold 100,000, and parsing one that
 * long (a time, an amount, Google's labels) took seconds, so a longer cell is its row's problem
 * before anything reads it.
 */
const CLIENT_CELLS: Record<ClientField, number> = {
	name: clientName,
	firstName: clientName,
	lastName: clientName,
	email: clientEmail,
	phone: maxLengthOf(clientFields.shape.phone),
	notes: maxLengthOf(clientFields.shape.notes),
	tags: maxLengthOf(clientFields.shape.tags)
};
const SESSION_CELLS: Record<SessionField, number> = {
	clientEmail,
	clientName,
	clientFirstName: clientName,
	clientLastName: clientName,
	date: SHORT_CELL,
	startTime: SHORT_CELL,
	endTime: SHORT_CELL,
	durationMinutes: SHORT_CELL,
	timeZone: maxLengthOf(createSessionSchema.shape.timeZone),
	// A location that is no kind of ours is kept as the location's detail.
	locationKind: locationDetail,
	locationDetail,
	fee: SHORT_CELL,
	currency: maxLengthOf(createSessionSchema.shape.currency),
	status: SHORT_CELL,
	paymentStatus: SHORT_CELL,
	paidOn: SHORT_CELL
};

/** The most of a column's name a problem repeats: a name may be 100,000 characters long. */
const SHOWN_COLUMN_NAME = 80;
const shortened = (name: string) =>
	name.length > SHOWN_COLUMN_NAME ? `${name.slice(0, SHOWN_COLUMN_NAME - 1)}…` : name;

/** Reads one row's cells through the mapping, and names the column a field came from. */
function cellsOf<F extends string>(
	table: CsvTable,
	mapping: Mapping<F>,
	limits: Record<F, number>
) {
	const cell = (row: string[], field: F) => {
		const index = mapping[field];
		const value = index === null ? '' : (row[index] ?? '').trim();
		// Our export defuses formulas with an apostrophe (see csv.ts); reading it back undoes that.
		return value.replace(/^'(?=[=+\-@\t\r])/, '');
	};
	const columnOf = (...fields: F[]) => {
		for (const field of fields) {
			const index = mapping[field];
			if (index !== null && table.header[index] !== undefined)
				return shortened(table.header[index]);
		}
		return fields[0]!;
	};
	const bounded = (Object.keys(limits) as F[]).filter((field) => mapping[field] !== null);
	return {
		cell,
		columnOf,
		mapped: (field: F) => mapping[field] !== null && mapping[field] < table.header.length,
		/** The row's cells longer than their fields take, each one of the row's problems. */
		tooLong: (row: string[], index: number): RowError[] =>
			bounded
				.filter((field) => cell(row, field).length > limits[field])
				.map((field) => ({
					row: rowNumber(index),
					column: columnOf(field),
					message: `Use at most ${limits[field].toLocaleString('en')} characters.`
				}))
	};
}

function missingColumn(what: string): TRPCError {
	return new TRPCError({ code: 'BAD_REQUEST', message: `Choose the column that holds ${what}.` });
}

/** A field's first problem only: a date like 03/05/2026 breaks several of its rules at once. */
function firstPerField(
	issues: readonly { path: PropertyKey[]; message: string }[],
	fallback: string
) {
	const seen = new Map<string, string>();
	for (const issue of issues) {
		const field = String(issue.path[0] ?? fallback);
		if (!seen.has(field)) seen.set(field, issue.message);
	}
	return [...seen];
}

class Errors {
	readonly list: RowError[] = [];
	count = 0;
	add(error: RowError) {
		this.count += 1;
		if (this.list.length < LISTED_ERRORS) this.list.push(error);
	}
	refusal(): ImportOutcome {
		return { imported: false, errors: this.list, errorCount: this.count };
	}
}

type ClientInput = z.output<typeof clientFields>;

/** Google Contacts separates labels with " ::: " and marks its own with "* ". */
const tagsOf = (value: string) =>
	value
		.split(/:::|,/)
		.map((tag) => tag.trim().replace(/^\*\s*/, ''))
		.join(',');

function mergeInto(target: ClientInput, row: ClientInput): ClientInput {
	return {
		name: row.name || target.name,
		email: target.email,
		phone: row.phone || target.phone,
		notes:
			row.notes && row.notes !== target.notes
				? [target.notes, row.notes].filter(Boolean).join('\n\n')
				: target.notes,
		tags: [...new Set([...parseTags(target.tags), ...parseTags(row.tags)])].join(',')
	};
}

/**
 * Imports clients all or nothing: every row is checked with the form's own schema first, and a
 * single error imports none. A row whose email is already a client's (or an earlier row's) is
 * skipped, or merged into that client: its values replace the client's, notes are added, tags joined.
 */
export async function importClients(
	db: Db,
	ownerId: string,
	input: z.output<typeof importClientsSchema>
): Promise<ImportOutcome> {
	const table = tableOf(input.file);
	const { cell, columnOf, mapped, tooLong } = cellsOf(table, input.mapping, CLIENT_CELLS);
	if (!mapped('name') && !mapped('firstName') && !mapped('lastName')) {
		throw missingColumn('the client’s name');
	}
	const errors = new Errors();
	const columnFor: Record<string, () => string> = {
		name: () => columnOf('name', 'firstName', 'lastName'),
		email: () => columnOf('email'),
		phone: () => columnOf('phone'),
		notes: () => columnOf('notes'),
		tags: () => columnOf('tags')
	};
	const valid: ClientInput[] = [];
	table.rows.forEach((row, index) => {
		const overlong = tooLong(row, index);
		overlong.forEach((error) => errors.add(error));
		if (overlong.length) return;
		const parsed = clientFields.safeParse({
			name:
				cell(row, 'name') ||
				[cell(row, 'firstName'), cell(row, 'lastName')].filter(Boolean).join(' '),
			email: cell(row, 'email'),
			phone: cell(row, 'phone'),
			notes: cell(row, 'notes'),
			tags: tagsOf(cell(row, 'tags'))
		});
		if (parsed.success) valid.push(parsed.data);
		else {
			for (const [field, message] of firstPerField(parsed.error.issues, 'name')) {
				errors.add({
					row: rowNumber(index),
					column: (columnFor[field] ?? columnFor.name!)(),
					message
				});
			}
		}
	});
	if (errors.count > 0) return errors.refusal();

	// Earlier rows win within the file; a later row with the same email is its duplicate.
	const byEmail = new Map<string, ClientInput>();
	const fresh: ClientInput[] = [];
	let duplicates = 0;
	for (const client of valid) {
		const earlier = client.email ? byEmail.get(client.email) : undefined;
		if (!earlier) {
			if (client.email) byEmail.set(client.email, client);
			fresh.push(client);
			continue;
		}
		duplicates += 1;
		if (input.duplicates === 'merge') Object.assign(earlier, mergeInto(earlier, client));
	}

	return db.transaction(async (tx) => {
		// The search index (GIN, trigrams) takes new rows in a pending list that is merged in
		// batches of work_mem: 4 MB by default, which made 50,000 clients take twice as long.
		await tx.execute(sql`set local work_mem = '64MB'`);
		const emails = [...byEmail.keys()];
		const existing = emails.length
			? await tx.execute<{
					id: string;
					name: string;
					email: string;
					phone: string | null;
					notes: string;
					tags: string[];
				}>(sql`
				select id, name, email, phone, notes, tags from clients
				where owner_id = ${ownerId}
					and email in (select jsonb_array_elements_text(${JSON.stringify(emails)}::jsonb))`)
			: [];
		const updates: (ClientInput & { id: string })[] = [];
		const taken = new Set<string>();
		for (const client of existing) {
			const row = byEmail.get(client.email);
			if (!row || taken.has(client.email)) continue;
			taken.add(client.email);
			if (input.duplicates === 'merge') {
				const current = { ...client, phone: client.phone ?? '', tags: client.tags.join(',') };
				updates.push({ id: client.id, ...mergeInto(current, row) });
			}
		}
		const inserts = fresh.filter((client) => !client.email || !taken.has(client.email));
		const asRecords = (clients: (ClientInput & { id?: string })[]) =>
			JSON.stringify(clients.map((client) => ({ ...client, tags: parseTags(client.tags) })));
		if (updates.length) {
			await tx.execute(sql`
				update clients c set name = r.name, phone = nullif(r.phone, ''), notes = r.notes,
					tags = r.tags, updated_at = now()
				from jsonb_to_recordset(${asRecords(updates)}::jsonb)
					as r(id uuid, name text, phone text, notes text, tags text[])
				where c.id = r.id and c.owner_id = ${ownerId}`);
		}
		if (inserts.length) {
			await tx.execute(sql`
				insert into clients (owner_id, name, email, phone, notes, tags)
				select ${ownerId}, r.name, nullif(r.email, ''), nullif(r.phone, ''), r.notes, r.tags
				from jsonb_to_recordset(${asRecords(inserts)}::jsonb)
					as r(name text, email text, phone text, notes text, tags text[])`);
		}
		const merged = input.duplicates === 'merge' ? duplicates + updates.length : 0;
		return {
			imported: true as const,
			created: inserts.length,
			merged,
			skipped: duplicates + taken.size - merged
		};
	});
}

/** Matches a cell to one of `values` by the value itself or its label, case and punctuation aside. */
function choice<T extends string>(
	values: readonly T[],
	labels: Record<T, string>,
	synonyms: Record<string, T> = {}
) {
	const byName = new Map<string, T>(Object.entries(synonyms));
	for (const value of values) {
		byName.set(fold(value), value);
		byName.set(fold(labels[value]), value);
	}
	return (cell: string) => byName.get(fold(cell));
}
const statusOf = choice(sessionStatuses, sessionStatusLabels);
// Acuity's "Paid?" column says yes or no.
const paymentOf = choice(paymentStatuses, paymentStatusLabels, { yes: 'paid', no: 'unpaid' });
const locationOf = choice(locationKinds, locationLabels, {
	online: 'link',
	video: 'link',
	telephone: 'phone',
	office: 'in_person'
});
/** The amount in a price such as "$80.00" or "80,00 €": from its first digit to its last. */
const amountOf = (price: string) => /\d(?:.*\d)?/s.exec(price)?.[0] ?? '';
const listOf = (labels: Record<string, string>) => Object.values(labels).join(', ');

/** A date and a time, from "2026-03-14 18:00", "2026-03-14T18:00:00+01:00" or a time alone. */
type WallClock = { date?: string; time?: string; instant?: Date };

function wallClock(value: string): WallClock {
	const time = /^(\d{1,2}):(\d{2})(?::\d{2})?\s*([ap]\.?m\.?)?$/i;
	const dateTime =
		/^(\d{4}-\d{2}-\d{2})[T ](\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?)\s*(?:([ap]\.?m\.?)\s*)?(Z|[+-]\d{2}:?\d{2})?$/i;
	const asTime = (text: string, meridiem?: string) => {
		const match = time.exec(meridiem ? `${text} ${meridiem}` : text);
		if (!match) return text;
		let hours = Number(match[1]);
		const half = match[3]?.[0]?.toLowerCase();
		if (half === 'p' && hours < 12) hours += 12;
		if (half === 'a' && hours === 12) hours = 0;
		return `${String(hours).padStart(2, '0')}:${match[2]}`;
	};
	const full = dateTime.exec(value);
	if (full) {
		const [, date, clock, meridiem, offset] = full;
		if (offset) {
			const instant = new Date(`${date}T${clock}${offset === 'z' ? 'Z' : offset}`);
			if (!Number.isNaN(instant.getTime())) return { instant };
		}
		return { date, time: asTime(clock!.slice(0, 5).replace(/:$/, ''), meridiem) };
	}
	if (time.test(value)) return { time: asTime(value) };
	return { date: value };
}

/** An instant's date and time of day in a zone, as the session form writes them. */
function inZone(instant: Date, timeZone: string): { date: string; time: string } | null {
	// A zone the form would refuse is reported by the form's schema, not converted.
	if (!isTimeZone(timeZone)) return null;
	const wall = wallTimeAt(timeZone, instant.getTime());
	const pad = (n: number, width = 2) => String(n).padStart(width, '0');
	return {
		date: `${pad(wall.year, 4)}-${pad(wall.month)}-${pad(wall.day)}`,
		time: `${pad(wall.hour)}:${pad(wall.minute)}`
	};
}

const minutesOf = (time: string) => {
	const match = /^(\d{2}):(\d{2})$/.exec(time);
	return match ? Number(match[1]) * 60 + Number(match[2]) : null;
};

/** One row as the insert reads it (jsonb_to_recordset matches these names to its columns). */
type SessionRecord = {
	row_no: number;
	client_id: string;
	date: string;
	start_time: string;
	duration_minutes: number;
	time_zone: string;
	location_kind: string;
	location_detail: string;
	fee_minor: number;
	currency: string;
	status: string;
	payment_status: string;
	paid_on: string | null;
	holds_slot: boolean;
};

type Overlap = {
	row_no: number;
	other_row: number | null;
	existing_starts_at: string | null;
	existing_client: string | null;
};

/**
 * Imports sessions all or nothing, each matched to a client by email or else by name and checked
 * with the session form's own schema. Rows that overlap each other or an existing session are
 * refused by row; the database's exclusion constraint still has the last word.
 */
export async function importSessions(
	db: Db,
	owner: { id: string; timeZone: string; currency: string },
	input: z.output<typeof importSessionsSchema>
): Promise<ImportOutcome> {
	const table = tableOf(input.file);
	const { cell, columnOf, mapped, tooLong } = cellsOf(table, input.mapping, SESSION_CELLS);
	if (!mapped('clientEmail') && !mapped('clientName') && !mapped('clientFirstName')) {
		throw missingColumn('the client’s email or name');
	}
	if (!mapped('startTime')) throw missingColumn('the start time');

	const known = await db.execute<{ id: string; email: string | null; name: string }>(sql`
		select id, email, lower(name) as name from clients where owner_id = ${owner.id}`);
	const byEmail = new Map(known.filter((c) => c.email).map((c) => [c.email!, c.id]));
	const byName = new Map<string, string | null>();
	for (const client of known) {
		byName.set(client.name, byName.has(client.name) ? null : client.id);
	}

	const errors = new Errors();
	const clientColumn = () => columnOf('clientEmail', 'clientName', 'clientFirstName');
	const columnFor: Record<string, () => string> = {
		clientId: clientColumn,
		date: () => columnOf('date', 'startTime'),
		startTime: () => columnOf('startTime'),
		durationMinutes: () => columnOf('durationMinutes', 'endTime'),
		timeZone: () => columnOf('timeZone'),
		locationKind: () => columnOf('locationKind'),
		locationDetail: () => columnOf('locationDetail', 'locationKind'),
		fee: () => columnOf('fee'),
		currency: () => columnOf('currency')
	};
	const records: SessionRecord[] = [];

	table.rows.forEach((row, index) => {
		const overlong = tooLong(row, index);
		overlong.forEach((error) => errors.add(error));
		if (overlong.length) return;
		const at = rowNumber(index);
		const fail = (column: string, message: string) => errors.add({ row: at, column, message });

		const email = cell(row, 'clientEmail').toLowerCase();
		const name =
			cell(row, 'clientName') ||
			[cell(row, 'clientFirstName'), cell(row, 'clientLastName')].filter(Boolean).join(' ');
		let clientId = email ? byEmail.get(email) : undefined;
		if (!clientId && name) {
			const found = byName.get(name.toLowerCase());
			if (found === null) {
				fail(
					clientColumn(),
					`More than one client is called ${name}: add a column with their email.`
				);
				return;
			}
			clientId = found;
		}
		if (!clientId) {
			fail(
				clientColumn(),
				`No client has the email or name ${email || name || '(empty)'}. Import your clients first.`
			);
			return;
		}

		const timeZone = cell(row, 'timeZone') || owner.timeZone;
		const start = wallClock(cell(row, 'startTime'));
		const local = start.instant ? inZone(start.instant, timeZone) : null;
		const date = local?.date ?? (cell(row, 'date') || start.date || '');
		const startTime = local?.time ?? start.time ?? cell(row, 'startTime');
		let duration: string | number = cell(row, 'durationMinutes');
		if (!duration && mapped('endTime')) {
			const end = wallClock(cell(row, 'endTime'));
			const endTime = end.instant ? inZone(end.instant, timeZone)?.time : end.time;
			const from = minutesOf(startTime);
			const to = endTime ? minutesOf(endTime) : null;
			if (from !== null && to !== null) duration = (to - from + 24 * 60) % (24 * 60);
		}

		let locationKind = 'in_person';
		let locationDetail = cell(row, 'locationDetail');
		const location = cell(row, 'locationKind');
		if (location) {
			const kind = locationOf(location);
			if (kind) locationKind = kind;
			else {
				const guessed = locationFromText(location);
				locationKind = guessed.locationKind;
				locationDetail ||= guessed.locationDetail;
			}
		}

		const status = cell(row, 'status') ? statusOf(cell(row, 'status')) : 'scheduled';
		if (!status) fail(columnOf('status'), `Use one of: ${listOf(sessionStatusLabels)}.`);
		const payment = cell(row, 'paymentStatus') ? paymentOf(cell(row, 'paymentStatus')) : 'unpaid';
		if (!payment) fail(columnOf('paymentStatus'), `Use one of: ${listOf(paymentStatusLabels)}.`);
		// A paid row without its own date was paid on the session's day, which the schema checks.
		const paidCell = payment === 'paid' ? cell(row, 'paidOn') : '';
		const paidOn = payment === 'paid' ? paidCell || date : null;
		const paidOnCheck = localDate.safeParse(paidCell);
		if (paidCell && !paidOnCheck.success) {
			fail(columnOf('paidOn'), `${paidOnCheck.error.issues[0]!.message} Write it as YYYY-MM-DD.`);
		}

		const parsed = createSessionSchema.safeParse({
			clientId,
			date,
			startTime,
			durationMinutes: duration === '' ? undefined : duration,
			timeZone,
			locationKind,
			locationDetail,
			fee: amountOf(cell(row, 'fee')) || undefined,
			currency: cell(row, 'currency') || owner.currency
		});
		if (!parsed.success) {
			for (const [field, message] of firstPerField(parsed.error.issues, 'date')) {
				const hint =
					field === 'date'
						? ' Write it as YYYY-MM-DD.'
						: field === 'startTime'
							? ' Write it as HH:MM.'
							: '';
				fail((columnFor[field] ?? columnFor.date!)(), message + hint);
			}
			return;
		}
		if (!status || !payment) return;
		const session = parsed.data;
		records.push({
			row_no: at,
			client_id: session.clientId,
			date: session.date,
			start_time: session.startTime,
			duration_minutes: session.durationMinutes,
			time_zone: session.timeZone,
			location_kind: session.locationKind,
			location_detail: session.locationDetail,
			fee_minor: toMinorUnits(session.fee, session.currency) ?? 0,
			currency: session.currency,
			status,
			payment_status: payment,
			paid_on: paidOn,
			holds_slot: SLOT_HOLDING.includes(status)
		});
	});
	if (errors.count > 0) return errors.refusal();

	const rows = sql`(
		select r.*, r.starts_at + make_interval(mins => r.duration_minutes) as ends_at from (
			select x.*, (x.date::date + x.start_time::time) at time zone x.time_zone as starts_at
			from jsonb_to_recordset(${JSON.stringify(records)}::jsonb) as x(
				row_no int, client_id uuid, date text, start_time text, duration_minutes int, time_zone text,
				location_kind location_kind, location_detail text, fee_minor int, currency text,
				status session_status, payment_status payment_status, paid_on date, holds_slot boolean)
		) r
	)`;
	try {
		return await db.transaction(async (tx) => {
			const overlaps = await tx.execute<Overlap>(sql`
				with file as materialized ${rows},
				reach as (
					select row_no, starts_at, ends_at, max(ends_at) over (
						order by starts_at, row_no rows between unbounded preceding and 1 preceding) as reached
					from file where holds_slot
				),
				clashing as (select * from reach where reached > starts_at order by row_no limit ${LISTED_ERRORS})
				select c.row_no, other.row_no as other_row, null::text as existing_starts_at, null as existing_client
				from clashing c cross join lateral (
					select f.row_no from file f
					where f.holds_slot and f.row_no <> c.row_no and f.starts_at < c.ends_at and c.starts_at < f.ends_at
					order by f.starts_at limit 1) other
				union all
				select f.row_no, null, to_char(s.starts_at at time zone s.time_zone, 'YYYY-MM-DD HH24:MI') || ' ' || s.time_zone, cl.name
				from file f
				join sessions s on s.owner_id = ${owner.id}
					and s.status in (${sql.join(
						SLOT_HOLDING.map((status) => sql`${status}`),
						sql`, `
					)})
					and tstzrange(s.starts_at, s.ends_at, '[)') && tstzrange(f.starts_at, f.ends_at, '[)')
				join clients cl on cl.id = s.client_id
				where f.holds_slot
				order by 1 limit ${LISTED_ERRORS}`);
			if (overlaps.length) {
				for (const overlap of overlaps) {
					errors.add({
						row: overlap.row_no,
						column: columnOf('startTime'),
						message:
							overlap.other_row !== null
								? `This overlaps the session in row ${overlap.other_row}.`
								: `This overlaps your session with ${overlap.existing_client} on ${overlap.existing_starts_at}.`
					});
				}
				return errors.refusal();
			}
			await tx.execute(sql`
				insert into sessions (owner_id, client_id, starts_at, ends_at, time_zone, location_kind,
					location_detail, fee_minor, currency, status, payment_status, paid_on)
				select ${owner.id}, client_id, starts_at, ends_at, time_zone, location_kind,
					location_detail, fee_minor, currency, status, payment_status, paid_on
				from ${rows} file`);
			return { imported: true as const, created: records.length, merged: 0, skipped: 0 };
		});
	} catch (error) {
		if (pgErrorCode(error) !== EXCLUSION_VIOLATION) throw error;
		throw new TRPCError({
			code: 'CONFLICT',
			message:
				'A session was booked meanwhile that overlaps one of these rows. Nothing was imported; try again.'
		});
	}
}
