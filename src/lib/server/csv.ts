import { stringify } from 'csv-stringify/sync';

export type CsvValue = string | number | null | undefined;

/**
 * Text that a spreadsheet would run as a formula (starting with = + - @ or a tab/return) gets an
 * apostrophe in front, so that it shows as the text it is. A negative number written out ("-5",
 * "-12.50", as amounts come from fromMinorUnits) is no formula and stays a number.
 */
export function defuseFormula(text: string): string {
	return /^[=+\-@\t\r]/.test(text) && !/^-\d+(\.\d+)?$/.test(text) ? `'${text}` : text;
}

/**
 * Records as RFC 4180 CSV: CRLF between records, quotes around any value holding a comma, a quote
 * or a line break (csv-stringify alone would leave a bare line break unquoted), every text defused
 * (a number is never a formula).
 */
export function csvLines(records: CsvValue[][]): string {
	return stringify(records, {
		record_delimiter: 'windows',
		quoted_match: /[\r\n]/,
		cast: { string: defuseFormula }
	});
}

/** Excel reads a file as UTF-8 only with a byte-order mark. */
export const CSV_BOM = '\uFEFF';

/**
 * A CSV download written batch by batch as the browser reads it: the next batch is fetched only
 * when the last one has been taken, so memory holds one batch however long the file is. The first
 * batch is read before answering, so that a download that cannot be made is an error page, not a
 * cut-off file. A browser that goes away ends the batches (and the database cursor behind them).
 */
export async function csvDownload(
	filename: string,
	batches: AsyncIterable<CsvValue[][]> | Iterable<CsvValue[][]>
): Promise<Response> {
	// Delegating keeps `return` reaching the source, so a cancelled download closes its cursor.
	const iterator = (async function* () {
		yield* batches;
	})();
	const encoder = new TextEncoder();
	const first = await iterator.next();
	let pending: CsvValue[][] | null = first.done ? [] : first.value;
	const body = new ReadableStream<Uint8Array>({
		async pull(controller) {
			if (pending) {
				controller.enqueue(encoder.encode(CSV_BOM + csvLines(pending)));
				pending = null;
				return;
			}
			const next = await iterator.next();
			if (next.done) controller.close();
			else controller.enqueue(encoder.encode(csvLines(next.value)));
		},
		async cancel() {
			await iterator.return?.();
		}
	});
	return new Response(body, {
		headers: {
			'content-type': 'text/csv; charset=utf-8',
			'content-disposition': `attachment; filename="${filename}"`,
			'cache-control': 'no-store'
		}
	});
}
