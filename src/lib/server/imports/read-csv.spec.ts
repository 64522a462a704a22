import { describe, expect, it } from 'vitest';
import { MAX_IMPORT_BYTES, MAX_IMPORT_ROWS } from '../../import-limits';
import { MAX_COLUMNS, readCsv } from './read-csv';

const read = (content: string) => readCsv(Buffer.from(content));

/** What reading refuses the file with, and how long it took to say so. */
function refusal(content: string) {
	const bytes = Buffer.from(content);
	const started = performance.now();
	try {
		readCsv(bytes);
	} catch (error) {
		return { message: (error as Error).message, ms: performance.now() - started };
	}
	throw new Error('The file was read.');
}

// Reading the whole file before counting took 5 to 7 seconds (and over a gigabyte for the rows).
const QUICKLY = 3000;

describe('the limits of a file', () => {
	it('reads as many rows as an import takes, and refuses more without reading them all', () => {
		expect(read(`Name\n${'a\n'.repeat(MAX_IMPORT_ROWS)}`).rows).toHaveLength(MAX_IMPORT_ROWS);
		expect(refusal(`Name\n${'a\n'.repeat(MAX_IMPORT_ROWS + 1)}`).message).toBe(
			'The file has more than 100,000 rows; an import takes at most 100,000. Split it into smaller files.'
		);
		const tenMegabytes = refusal('a\n'.repeat(MAX_IMPORT_BYTES / 2));
		expect(tenMegabytes.message).toMatch(/^The file has more than 100,000 rows/);
		expect(tenMegabytes.ms).toBeLessThan(QUICKLY);
	});

	it('reads as many columns as an import takes, and refuses more without reading them all', () => {
		const columns = (count: number) => Array.from({ length: count }, (_, i) => `"c${i}"`).join(',');
		expect(read(`${columns(MAX_COLUMNS)}\n${columns(MAX_COLUMNS)}\n`).header).toHaveLength(
			MAX_COLUMNS
		);
		const tooMany = 'The file has more than 200 columns; an import reads at most 200.';
		expect(refusal(`${columns(MAX_COLUMNS + 1)}\n${columns(MAX_COLUMNS + 1)}\n`).message).toBe(
			tooMany
		);
		const header = refusal(`a${','.repeat(MAX_IMPORT_BYTES - 2)}\n`);
		expect(header.message).toBe(tooMany);
		expect(header.ms).toBeLessThan(QUICKLY);
		const row = refusal(`a\nb\n${','.repeat(MAX_IMPORT_BYTES - 5)}`);
		expect(row.message).toMatch(/^Line 3 has a different number of columns from the header/);
		expect(row.ms).toBeLessThan(QUICKLY);
	});

	it('says so when a row is longer than an import reads', () => {
		expect(refusal(`a\n"${'x'.repeat(200_000)}"\n`).message).toBe(
			'Line 2 holds more than 100,000 characters; an import reads at most that many in one row.'
		);
	});
});
