import { describe, expect, it } from 'vitest';
import { csvField, csvRow } from './csv';

describe('csv', () => {
	it('quotes per RFC 4180', () => {
		expect(csvField('plain')).toBe('plain');
		expect(csvField('a,b')).toBe('"a,b"');
		expect(csvField('say "hi"')).toBe('"say ""hi"""');
		expect(csvField('two\nlines')).toBe('"two\nlines"');
		expect(csvRow(['a', null, 3])).toBe('a,,3\r\n');
	});

	it('defuses formulas', () => {
		expect(csvField('=HYPERLINK("http://evil")')).toBe(`"'=HYPERLINK(""http://evil"")"`);
		expect(csvField('+49 30 1234')).toBe("'+49 30 1234");
		expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
		expect(csvField('-1')).toBe("'-1");
	});

	it('defuses a cell starting with a tab or a carriage return, as OWASP lists them', () => {
		expect(csvField('\t=1+2')).toBe("'\t=1+2");
		expect(csvField('\r=1+2')).toBe(`"'\r=1+2"`);
	});
});
