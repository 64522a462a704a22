import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import type { Email } from './mailer';
import { asciiAddress, composeMime, parseMailbox } from './mime';

const from = parseMailbox('Sessionboard <no-reply@sessionboard.localhost>')!;
const messageId = '<0123456789abcdef@sessionboard.localhost>';
const date = new Date('2026-03-03T17:00:00Z');

const email: Email = {
	to: 'ada@example.org',
	subject: 'Confirm your place in “Tuesday evening yoga” — a subject long enough to be folded',
	text: 'Hello Ada,\n\nGrüße aus Köln. A line that ends in spaces   \n.A line that starts with a dot\n— Sessionboard',
	html: '<p style="margin:0">Hello Ada, <a href="https://example.org/confirm?a=1&amp;b=2">confirm</a></p>',
	headers: {
		'List-Unsubscribe': '<https://sessions.example.org/u/token>',
		'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click'
	}
};

/** The message's lines, after checking that it breaks lines with CRLF only. */
function lines(message: Buffer): string[] {
	const text = message.toString('utf8');
	expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
	return text.split('\r\n');
}

describe('composeMime', () => {
	it('gives a mail client both versions, the headers and the Message-ID, every word intact', async () => {
		const message = composeMime(email, { from, messageId, date });
		expect(message.toString('latin1')).toMatch(/^[\x20-\x7e\r\n]*$/);
		const parsed = await simpleParser(message);
		expect(parsed.from?.value).toEqual([
			{ name: 'Sessionboard', address: 'no-reply@sessionboard.localhost' }
		]);
		expect(parsed.subject).toBe(email.subject);
		expect(parsed.messageId).toBe(messageId);
		expect(parsed.date?.toISOString()).toBe(date.toISOString());
		expect(parsed.text).toBe(email.text);
		expect(parsed.html).toBe(email.html);
		const headerLines = parsed.headerLines.map((h) => h.line);
		expect(headerLines).toContain('List-Unsubscribe: <https://sessions.example.org/u/token>');
		expect(headerLines).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
		expect(parsed.attachments).toEqual([]);
		for (const line of lines(message)) expect(line.length).toBeLessThanOrEqual(78);
	});

	it('attaches files beside the two versions, their names and types kept', async () => {
		const ics = 'BEGIN:VCALENDAR\r\nSUMMARY:Yoga “im Park”\r\nEND:VCALENDAR\r\n';
		const message = composeMime(
			{
				...email,
				attachments: [
					{ filename: 'series.ics', content: ics, contentType: 'text/calendar; method=PUBLISH' },
					{ filename: 'Übersicht März.txt', content: 'ok', contentType: 'text/plain' }
				]
			},
			{ from, messageId, date }
		);
		const parsed = await simpleParser(message);
		expect(parsed.text).toBe(email.text);
		expect(parsed.html).toBe(email.html);
		expect(parsed.attachments.map((a) => [a.filename, a.contentType])).toEqual([
			['series.ics', 'text/calendar'],
			['Übersicht März.txt', 'text/plain']
		]);
		expect(parsed.attachments[0]?.content.toString('utf8')).toBe(ics);
		expect(parsed.attachments[0]?.headers.get('content-type')).toMatchObject({
			params: { method: 'PUBLISH' }
		});
	});

	it('keeps a line break in a subject or sender name from starting a header of its own', async () => {
		const message = composeMime(
			{ ...email, subject: 'Yoga\r\nBcc: victim@example.org', headers: {} },
			{ from: parseMailbox('"Praxis Müller\nBcc: x@example.org" <praxis@example.org>')!, messageId }
		);
		const parsed = await simpleParser(message);
		expect(parsed.subject).toBe('Yoga Bcc: victim@example.org');
		expect(parsed.from?.value).toEqual([
			{ name: 'Praxis Müller Bcc: x@example.org', address: 'praxis@example.org' }
		]);
		expect(parsed.bcc).toBeUndefined();
	});

	it('refuses a header name that is not one', () => {
		expect(() =>
			composeMime({ ...email, headers: { 'X-Bad\r\nBcc': 'x' } }, { from, messageId })
		).toThrow(/Not a header name/);
	});
});

describe('addresses', () => {
	it('writes an international domain in ASCII and leaves others as they are', () => {
		expect(asciiAddress('ada@bücher.example')).toBe('ada@xn--bcher-kva.example');
		expect(asciiAddress('ada@example.org')).toBe('ada@example.org');
	});

	it('reads the sender, with or without a name, and finds none where there is no address', () => {
		expect(parseMailbox('Praxis Müller <praxis@example.org>')).toEqual({
			name: 'Praxis Müller',
			address: 'praxis@example.org'
		});
		expect(parseMailbox('praxis@example.org')).toEqual({ name: '', address: 'praxis@example.org' });
		expect(parseMailbox('Praxis Müller')).toBeNull();
		expect(parseMailbox('no-reply')).toBeNull();
	});
});
