import { PassThrough } from 'node:stream';
import { sql } from 'drizzle-orm';
import { strToU8, Zip, ZipDeflate } from 'fflate';
import { recordSecurityEvent } from '../account/security-log';
import type { Client } from '../auth/session';
import { CSV_BOM, csvLines } from '../csv';
import type { Db } from '../db';
import { ownedTables, type OwnedTable } from './owned-tables';

/** Rows read from the database at a time: what the export holds in memory, whatever the account's size. */
const BATCH = 500;
const CURSOR = sql.identifier('account_export');

export const DOCUMENT_NAME = 'sessionboard-data.json';
export const csvName = (table: string) => `csv/${table}.csv`;

/** The account's rows of one table as JSON texts, BATCH at a time, from a cursor. */
async function* batchesOf(tx: Db, table: OwnedTable, userId: string): AsyncGenerator<string[]> {
	const columns = sql.join(
		table.columns.map((column) => sql.identifier(column)),
		sql`, `
	);
	await tx.execute(sql`declare ${CURSOR} no scroll cursor for
		select row_to_json(t)::text as row
		from (select ${columns} from ${sql.raw(table.qualified)} where ${table.rowsOf(userId)}) t`);
	for (;;) {
		const rows = await tx.execute<{ row: string }>(
			sql`fetch ${sql.raw(String(BATCH))} from ${CURSOR}`
		);
		if (rows.length > 0) yield rows.map((r) => r.row);
		if (rows.length < BATCH) break;
	}
	await tx.execute(sql`close ${CURSOR}`);
}

/** A CSV field from a JSON value: arrays and objects as their JSON. */
function cell(value: unknown): string | number | null {
	if (value === null || value === undefined) return null;
	if (typeof value === 'string' || typeof value === 'number') return value;
	return JSON.stringify(value);
}

class DownloadStopped extends Error {}

/**
 * Writes the archive to `out` as it reads: first the JSON document of every owned table, then a
 * CSV per table, all in one read-only snapshot so that both tell the same state. Waits whenever
 * `out` holds more than its buffer, so a slow download slows the reading instead of filling memory.
 */
async function writeArchive(db: Db, userId: string, out: PassThrough): Promise<void> {
	const zip = new Zip((error, chunk) => {
		if (error) out.destroy(error);
		else if (!out.destroyed) out.write(chunk);
	});
	const taken = async () => {
		if (out.writableNeedDrain) {
			await new Promise<void>((resume) => {
				const go = () => {
					out.off('drain', go);
					out.off('close', go);
					resume();
				};
				out.on('drain', go);
				out.on('close', go);
			});
		}
		if (out.destroyed) throw new DownloadStopped();
	};
	const entry = (name: string) => {
		const file = new ZipDeflate(name, { level: 6 });
		zip.add(file);
		return { write: (text: string, last = false) => file.push(strToU8(text), last) };
	};

	await db.transaction(async (tx) => {
		await tx.execute(sql`set transaction isolation level repeatable read, read only`);
		const tables = await ownedTables(tx);

		const document = entry(DOCUMENT_NAME);
		const exportedAt = JSON.stringify(new Date().toISOString());
		document.write(`{"exportedAt":${exportedAt},"tables":{`);
		for (const [index, table] of tables.entries()) {
			document.write(`${index > 0 ? ',' : ''}${JSON.stringify(table.name)}:[`);
			let first = true;
			for await (const rows of batchesOf(tx, table, userId)) {
				document.write(`${first ? '' : ','}${rows.join(',')}`);
				first = false;
				await taken();
			}
			document.write(']');
		}
		document.write('}}', true);

		for (const table of tables) {
			const csv = entry(csvName(table.name));
			csv.write(CSV_BOM + csvLines([table.columns]));
			for await (const rows of batchesOf(tx, table, userId)) {
				const records = rows.map((row) => JSON.parse(row) as Record<string, unknown>);
				csv.write(csvLines(records.map((record) => table.columns.map((c) => cell(record[c])))));
				await taken();
			}
			csv.write('', true);
		}
		zip.end();
	});
}

/**
 * Everything the account owns as one ZIP, produced while it is read (nothing happens until it is).
 * Starting it is recorded in the account's security log.
 */
export function dataArchive(db: Db, userId: string, client: Client): AsyncIterable<Uint8Array> {
	return {
		async *[Symbol.asyncIterator]() {
			await recordSecurityEvent(db, userId, 'data_exported', client);
			const out = new PassThrough();
			const writing = writeArchive(db, userId, out).then(
				() => out.end(),
				(error: unknown) => {
					if (!(error instanceof DownloadStopped)) out.destroy(error as Error);
				}
			);
			try {
				yield* out;
			} finally {
				out.destroy();
				await writing;
			}
		}
	};
}
