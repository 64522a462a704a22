import { describe, expect, it } from 'vitest';
import { csvDownload, csvLines } from './csv';

describe('csv', () => {
	it('quotes per RFC 4180, with CRLF between records', () => {
		expect(csvLines([['plain', 'a,b', 'say "hi"', null, 3]])).toBe(
			'plain,"a,b","say ""hi""",,3\r\n'
		);
		expect(csvLines([['two\nlines'], ['a\rb']])).toBe('"two\nlines"\r\n"a\rb"\r\n');
	});

	it('defuses formulas', () => {
		expect(csvLines([['=HYPERLINK("http://evil")']])).toBe(`"'=HYPERLINK(""http://evil"")"\r\n`);
		expect(csvLines([['+49 30 1234', '@SUM(A1)', '-1+2', '=1', '-A1']])).toBe(
			"'+49 30 1234,'@SUM(A1),'-1+2,'=1,'-A1\r\n"
		);
	});

	it('leaves numbers as numbers, also negative ones written as text', () => {
		expect(csvLines([[-5, -12.5, 0, '-5', '-12.50']])).toBe('-5,-12.5,0,-5,-12.50\r\n');
	});

	it('defuses a cell starting with a tab or a carriage return, as OWASP lists them', () => {
		expect(csvLines([['\t=1+2']])).toBe("'\t=1+2\r\n");
		expect(csvLines([['\r=1+2']])).toBe(`"'\r=1+2"\r\n`);
	});

	it('starts the download with the byte-order mark, also when there are no records', async () => {
		async function* batches() {
			yield [['Name'], ['Ana']];
			yield [['Ben']];
		}
		const bytes = new Uint8Array(await (await csvDownload('x.csv', batches())).arrayBuffer());
		expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
		expect(new TextDecoder().decode(bytes)).toBe('Name\r\nAna\r\nBen\r\n');
		async function* none() {}
		const empty = new Uint8Array(await (await csvDownload('x.csv', none())).arrayBuffer());
		expect([...empty]).toEqual([0xef, 0xbb, 0xbf]);
	});
});
