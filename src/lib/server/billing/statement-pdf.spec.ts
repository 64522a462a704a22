import { describe, expect, it } from 'vitest';
import { drawableText, statementFileName } from './statement-pdf';

describe('text for the standard PDF fonts', () => {
	it('keeps Windows-1252 as it is and folds other Latin letters to their base letter', () => {
		expect(drawableText('Zoë Ærø Müller — €5 “ok”')).toEqual({
			text: 'Zoë Ærø Müller — €5 “ok”',
			lossy: false
		});
		expect(drawableText('Łódź Nguyễn')).toEqual({ text: 'Lódz Nguyen', lossy: false });
	});

	it('turns narrow and thin spaces and the minus sign into what the font has', () => {
		expect(drawableText('9:05\u202fAM\u2009–\u200910:00 \u2212€5')).toEqual({
			text: '9:05 AM – 10:00 -€5',
			lossy: false
		});
	});

	it('writes "?" for what has no near letter, and says so', () => {
		expect(drawableText('山田 Иван')).toEqual({ text: '?? ????', lossy: true });
	});
});

describe('the PDF’s file name', () => {
	it('is ASCII letters, digits and dashes, whatever the name', () => {
		expect(statementFileName('Zoë "Quote" / Ñandú', '2026-03-01', '2026-03-31')).toBe(
			'statement-zoe-quote-nandu-2026-03-01-2026-03-31.pdf'
		);
		expect(statementFileName('山田 太郎', '2026-03-01', '2026-03-31')).toBe(
			'statement-client-2026-03-01-2026-03-31.pdf'
		);
	});
});
