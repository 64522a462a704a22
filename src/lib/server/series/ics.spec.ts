import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { icsCalendar, type IcsEvent } from './ics';

/**
 * Reads a calendar as RFC 5545 says a reader must, written apart from ics.ts: unfold (a line
 * break followed by a space or tab disappears), split into content lines, and read each TEXT
 * value strictly — an unescaped comma or semicolon would start a second value, so it fails here.
 */
function parse(calendar: string): { name: string; value: string }[] {
	return calendar
		.replace(/\r\n[ \t]/g, '')
		.split('\r\n')
		.slice(0, -1)
		.map((line) => {
			const colon = line.indexOf(':');
			return { name: line.slice(0, colon), value: unescapeText(line.slice(colon + 1)) };
		});
}

function unescapeText(raw: string): string {
	let value = '';
	for (let i = 0; i < raw.length; i++) {
		const c = raw[i]!;
		if (c === ';' || c === ',') throw new Error(`unescaped ${c} in ${JSON.stringify(raw)}`);
		if (c !== '\\') {
			value += c;
			continue;
		}
		const next = raw[++i];
		if (next === 'n' || next === 'N') value += '\n';
		else if (next === '\\' || next === ';' || next === ',') value += next;
		else throw new Error(`unknown escape \\${next} in ${JSON.stringify(raw)}`);
	}
	return value;
}

const valuesOf = (calendar: string, name: string) =>
	parse(calendar)
		.filter((p) => p.name === name)
		.map((p) => p.value);

/** Every line of the file ends in CRLF and holds at most 75 octets. */
function expectWellFormedLines(calendar: string): void {
	expect(calendar.endsWith('\r\n')).toBe(true);
	const lines = calendar.split('\r\n').slice(0, -1);
	for (const line of lines) {
		expect(line).not.toMatch(/[\r\n]/);
		expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
		// A split UTF-8 character would come back as U+FFFD.
		expect(Buffer.from(line).toString()).not.toContain('\ufffd');
	}
}

function event(fields: Partial<IcsEvent> = {}): IcsEvent {
	return {
		uid: 'occurrence-1@sessionboard',
		startsAt: new Date('2026-03-03T17:00:00Z'),
		endsAt: new Date('2026-03-03T18:00:00Z'),
		summary: 'Yoga',
		description: 'Your place in Yoga.',
		location: 'Studio 2',
		...fields
	};
}

describe('icsCalendar', () => {
	it('gives back every text value as written, line breaks of any kind as newlines', () => {
		const summary = 'Yoga\rBEGIN:VEVENT\r\nSUMMARY:forged; a, b\\c\nend';
		const description =
			'Grüße aus Köln, 東京 und São Paulo; 🧘‍♀️ Atmen\\Dehnen. '.repeat(6) + 'Ende\rletzte';
		const location = 'Raum 2; Hauptstraße 5, 50667 Köln\\Hof';
		const calendar = icsCalendar('Yoga, im Park; draußen\r2026', 'Europe/Berlin', [
			event({ summary, description, location })
		]);

		expectWellFormedLines(calendar);
		expect(valuesOf(calendar, 'X-WR-CALNAME')).toEqual(['Yoga, im Park; draußen\n2026']);
		expect(valuesOf(calendar, 'SUMMARY')).toEqual([
			'Yoga\nBEGIN:VEVENT\nSUMMARY:forged; a, b\\c\nend'
		]);
		expect(valuesOf(calendar, 'DESCRIPTION')).toEqual([description.replace(/\r/g, '\n')]);
		expect(valuesOf(calendar, 'LOCATION')).toEqual([location]);
		// The lone CR started no event of its own.
		expect(valuesOf(calendar, 'BEGIN')).toEqual(['VCALENDAR', 'VEVENT']);
	});

	it('folds long lines without splitting a character, whatever its width', () => {
		for (const character of ['a', 'ü', '東', '🧘']) {
			for (let length = 60; length < 80; length++) {
				const summary = character.repeat(length);
				const calendar = icsCalendar('Long', 'UTC', [event({ summary })]);
				expectWellFormedLines(calendar);
				expect(valuesOf(calendar, 'SUMMARY')).toEqual([summary]);
			}
		}
	});

	it('drops control characters that TEXT may not hold', () => {
		const calendar = icsCalendar('Yoga', 'UTC', [
			event({ summary: 'Yo\u0000ga\u0007\tflow\u007f' })
		]);
		expect(valuesOf(calendar, 'SUMMARY')).toEqual(['Yoga\tflow']);
	});

	it('round-trips any printable text with line breaks, in every text property', () => {
		const character = fc.oneof(
			fc.string({ unit: 'binary', maxLength: 1 }).filter((c) => !/\p{Cc}/u.test(c)),
			fc.constantFrom('\r', '\n', '\r\n', '\t', '\\', ';', ',', ':', '"')
		);
		const text = fc.array(character, { maxLength: 120 }).map((parts) => parts.join(''));
		fc.assert(
			fc.property(text, text, text, text, (name, summary, description, location) => {
				const calendar = icsCalendar(name, 'UTC', [event({ summary, description, location })]);
				expectWellFormedLines(calendar);
				const lineBreaks = (value: string) => value.replace(/\r\n|\r/g, '\n');
				expect(valuesOf(calendar, 'X-WR-CALNAME')).toEqual([lineBreaks(name)]);
				expect(valuesOf(calendar, 'SUMMARY')).toEqual([lineBreaks(summary)]);
				expect(valuesOf(calendar, 'DESCRIPTION')).toEqual([lineBreaks(description)]);
				expect(valuesOf(calendar, 'LOCATION')).toEqual([lineBreaks(location)]);
			})
		);
	});
});
