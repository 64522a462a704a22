import { TRPCError } from '@trpc/server';
import { CsvError, parse } from 'csv-parse/sync';
import { MAX_IMPORT_BYTES, MAX_IMPORT_MEGABYTES, MAX_IMPORT_ROWS } from '../../import-limits';

export const MAX_COLUMNS = 200;
/** The most characters one row may hold, its values together. */
const MAX_RECORD_SIZE = 100_000;

export type CsvTable = { header: string[]; rows: string[][]; delimiter: string };

const unreadable = (message: string) => new TRPCError({ code: 'BAD_REQUEST', message });

const SAVE_AS_UTF8 =
	'Save it again as “CSV UTF-8” (Excel: File → Save As → CSV UTF-8; LibreOffice: Text CSV, character set Unicode (UTF-8)).';

/** The file's text, or a refusal that says why it cannot be read and what to do about it. */
function decode(bytes: Uint8Array): string {
	if (bytes.length === 0) throw unreadable('The file is empty.');
	if (bytes.length > MAX_IMPORT_BYTES) {
		throw unreadable(
			`The file is ${(bytes.length / 1024 / 1024).toFixed(1)} MB; an import takes at most ${MAX_IMPORT_MEGABYTES} MB. Split it into smaller files.`
		);
	}
	const [a, b] = bytes;
	if ((a === 0xff && b === 0xfe) || (a === 0xfe && b === 0xff)) {
		throw unreadable(`The file is in UTF-16, which this import does not read. ${SAVE_AS_UTF8}`);
	}
	let text: string;
	try {
		text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
	} catch {
		throw unreadable(
			`The file is not UTF-8 text (perhaps another character set, or not a CSV file at all). ${SAVE_AS_UTF8}`
		);
	}
	// No spreadsheet writes NUL into a CSV file; a file holding one is binary (or UTF-16 without its mark).
	if (text.includes('\u0000')) {
		throw unreadable(`This is not a CSV file: it holds binary data. ${SAVE_AS_UTF8}`);
	}
	return text;
}

const CANDIDATE_DELIMITERS = [',', ';', '\t'];
const HEADER_SCAN = 64 * 1024;

/**
 * The delimiter that splits the header line into the most columns: European Excel writes `;`
 * because `,` is its decimal mark.
 */
function detectDelimiter(text: string): string {
	let best = ',';
	let most = 0;
	for (const delimiter of CANDIDATE_DELIMITERS) {
		try {
			// The header alone: csv-parse reads on to the end of its input even after to_line.
			const [header] = parse(text.slice(0, HEADER_SCAN), {
				bom: true,
				delimiter,
				to_line: 1
			}) as string[][];
			if (header && header.length > most) {
				most = header.length;
				best = delimiter;
			}
		} catch {
			// The header does not parse with this delimiter: another one is the file's.
		}
	}
	return best;
}

const TOO_MANY_COLUMNS = `The file has more than ${MAX_COLUMNS} columns; an import reads at most ${MAX_COLUMNS}.`;
const differentColumns = (line: unknown) =>
	`Line ${line} has a different number of columns from the header. Every line needs one value per column (an empty one is fine).`;

function describeParseError(error: CsvError): string {
	const line = error.lines ?? '?';
	// Past MAX_COLUMNS values, whatever breaks breaks because the row has too many of them.
	if (typeof error.index === 'number' && error.index >= MAX_COLUMNS) {
		return error.records === 0 ? TOO_MANY_COLUMNS : differentColumns(line);
	}
	switch (error.code) {
		case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
			return differentColumns(line);
		case 'CSV_MAX_RECORD_SIZE':
			return `Line ${line} holds more than ${MAX_RECORD_SIZE.toLocaleString('en')} characters; an import reads at most that many in one row.`;
		case 'CSV_QUOTE_NOT_CLOSED':
			return `A quoted value opened before line ${line} is never closed: a quote mark (") is missing.`;
		default:
			return `Line ${line} cannot be read as CSV: a quote mark (") sits inside a value that is not quoted. Put the value in quotes and double the quote mark ("").`;
	}
}

/** The file's header and rows: UTF-8 with or without its byte-order mark, `,` `;` or tab between values. */
export function readCsv(bytes: Uint8Array): CsvTable {
	const text = decode(bytes);
	const delimiter = detectDelimiter(text);
	let records: string[][];
	try {
		records = parse(text, {
			bom: true,
			delimiter,
			skip_empty_lines: true,
			max_record_size: MAX_RECORD_SIZE,
			// Whatever follows a row's 200th delimiter is read as one last value, which max_record_size
			// bounds: a line of ten million commas is one value too long, not ten million values.
			ignore_last_delimiters: MAX_COLUMNS + 1,
			// The header, the most rows an import takes and one more, which tells that there are too
			// many: reading on would hold millions of rows in memory only to refuse them.
			to: MAX_IMPORT_ROWS + 2
		}) as string[][];
	} catch (error) {
		if (error instanceof CsvError) throw unreadable(describeParseError(error));
		throw error;
	}
	const [header, ...rows] = records;
	if (!header || header.every((name) => name.trim() === '')) {
		throw unreadable('The file is empty.');
	}
	if (header.length > MAX_COLUMNS) throw unreadable(TOO_MANY_COLUMNS);
	if (rows.length === 0) throw unreadable('The file has a header but no rows below it.');
	if (rows.length > MAX_IMPORT_ROWS) {
		throw unreadable(
			`The file has more than ${MAX_IMPORT_ROWS.toLocaleString('en')} rows; an import takes at most ${MAX_IMPORT_ROWS.toLocaleString('en')}. Split it into smaller files.`
		);
	}
	return { header: header.map((name) => name.trim()), rows, delimiter };
}
