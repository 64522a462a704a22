import { randomUUID } from 'node:crypto';
import { domainToASCII } from 'node:url';
import addressparser from 'nodemailer/lib/addressparser';
import {
	buildHeaderValue,
	encodeWord,
	encodeWords,
	foldLines,
	parseHeaderValue
} from 'nodemailer/lib/mime-funcs';
import { encode as quotedPrintable, wrap as wrapQuotedPrintable } from 'nodemailer/lib/qp';
import type { Email, EmailAttachment } from './mailer';

/**
 * Every email has one shape: a text and an HTML version of the same words, and maybe attachments.
 * Written here directly, it costs a worker an eighth of what nodemailer's general composer does
 * (which builds a stream per part); nodemailer's encoders still do the encoding.
 */

const CRLF = '\r\n';
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** Header values are written on one line: a line break in one would start a header of its own. */
function oneLine(value: string): string {
	return value.replace(/[\r\n]+/g, ' ');
}

/** A header line whose value is already written as it is sent, folded at 76 characters. */
function field(name: string, value: string): string {
	return foldLines(`${name}: ${value}`, 76) + CRLF;
}

/** A header of free text: its non-ASCII words encoded (RFC 2047). */
function header(name: string, value: string): string {
	return field(name, encodeWords(oneLine(value), 'Q', 52));
}

/** An address with its domain in ASCII (IDNA), as SMTP needs it. */
export function asciiAddress(address: string): string {
	const at = address.lastIndexOf('@');
	if (at < 0 || PRINTABLE_ASCII.test(address)) return address;
	return `${address.slice(0, at)}@${domainToASCII(address.slice(at + 1)) || address.slice(at + 1)}`;
}

export type Mailbox = { name: string; address: string };

/** The first mailbox of an address field such as `Name <someone@example.org>`; null if it has none. */
export function parseMailbox(value: string): Mailbox | null {
	const [first] = addressparser(value, { flatten: true });
	return first?.address.includes('@')
		? { name: first.name, address: asciiAddress(first.address) }
		: null;
}

/** A mailbox as a header value. The address is written as it is: only a name is encoded. */
function mailboxValue(mailbox: Mailbox, encode: boolean): string {
	const address = oneLine(mailbox.address);
	if (!mailbox.name) return address;
	const plain = oneLine(mailbox.name);
	// A name with punctuation is quoted, a non-ASCII one encoded whole, so that neither a ":" nor
	// a "," in it can change what the field means.
	const display = /^[\w ]*$/.test(plain)
		? plain
		: PRINTABLE_ASCII.test(plain) || !encode
			? `"${plain.replace(/["\\]/g, '\\$&')}"`
			: encodeWord(plain, 'Q', 52);
	return `${display} <${address}>`;
}

/** An address field of one mailbox. */
function mailboxHeader(name: string, mailbox: Mailbox): string {
	return field(name, mailboxValue(mailbox, true));
}

/** A mailbox as a person reads it (`"O'Brien, Ann via Sessionboard" <…>`), for the local outbox. */
export function mailboxText(mailbox: Mailbox): string {
	return mailboxValue(mailbox, false);
}

/** RFC 5322's date, in UTC: `Tue, 24 Nov 2026 06:26:49 +0000`. */
function mailDate(date: Date): string {
	return date.toUTCString().replace(/GMT$/, '+0000');
}

function textPart(contentType: string, content: string): string {
	const crlf = content.replace(/\r?\n|\r/g, CRLF);
	return (
		field('Content-Type', `${contentType}; charset=utf-8`) +
		field('Content-Transfer-Encoding', 'quoted-printable') +
		CRLF +
		wrapQuotedPrintable(quotedPrintable(crlf), 76)
	);
}

function attachmentPart(attachment: EmailAttachment): string {
	const type = parseHeaderValue(attachment.contentType);
	const filename = oneLine(attachment.filename);
	const base64 = Buffer.from(attachment.content, 'utf8').toString('base64');
	return (
		field(
			'Content-Type',
			buildHeaderValue({ ...type, params: { ...type.params, name: filename } })
		) +
		field('Content-Transfer-Encoding', 'base64') +
		field('Content-Disposition', buildHeaderValue({ value: 'attachment', params: { filename } })) +
		CRLF +
		(base64.match(/.{1,76}/g) ?? []).join(CRLF)
	);
}

/**
 * The parts of a multipart body. The boundary holds `=_`, which neither quoted-printable (it
 * writes `=` as `=3D`) nor base64 can produce, so no part's content can contain it.
 */
function multipart(subtype: string, parts: string[]): { contentType: string; body: string } {
	const boundary = `=_${subtype}_${randomUUID().replaceAll('-', '')}`;
	return {
		contentType: `multipart/${subtype}; boundary="${boundary}"`,
		body: parts.map((part) => `--${boundary}${CRLF}${part}${CRLF}`).join('') + `--${boundary}--`
	};
}

export type MimeEnvelope = { from: Mailbox; messageId: string; date?: Date };

/** The whole message as an SMTP server receives it after DATA (before dot-stuffing). */
export function composeMime(email: Email, { from, messageId, date }: MimeEnvelope): Buffer {
	const alternative = multipart('alternative', [
		textPart('text/plain', email.text),
		textPart('text/html', email.html)
	]);
	const attachments = email.attachments ?? [];
	const body = attachments.length
		? multipart('mixed', [
				field('Content-Type', alternative.contentType) + CRLF + alternative.body,
				...attachments.map(attachmentPart)
			])
		: alternative;

	let head =
		mailboxHeader('From', from) +
		mailboxHeader('To', { name: '', address: asciiAddress(email.to) }) +
		header('Subject', email.subject) +
		field('Message-ID', messageId) +
		field('Date', mailDate(date ?? new Date()));
	for (const [name, value] of Object.entries(email.headers ?? {})) {
		if (!/^[!-9;-~]+$/.test(name)) throw new Error(`Not a header name: "${name}"`);
		head += header(name, value);
	}
	head += field('MIME-Version', '1.0') + field('Content-Type', body.contentType);
	return Buffer.from(`${head}${CRLF}${body.body}${CRLF}`, 'utf8');
}
