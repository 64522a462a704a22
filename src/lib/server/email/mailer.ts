import nodemailer, { type Transporter } from 'nodemailer';
import { config } from '../config';
import type { Db } from '../db';
import { outboxEmails } from '../db/schema';
import { asciiAddress, composeMime, mailboxText, type Mailbox } from './mime';

export type EmailAttachment = { filename: string; content: string; contentType: string };

export type Email = {
	to: string;
	/**
	 * The sender's display name when it is not EMAIL_FROM's own: "Maya Jensen via Sessionboard".
	 * The address stays EMAIL_FROM's, so the mail is still ours to send (SPF, DKIM).
	 */
	fromName?: string;
	subject: string;
	text: string;
	html: string;
	headers?: Record<string, string>;
	attachments?: EmailAttachment[];
};

/**
 * The transport: the mechanics of handing one message to SMTP or to the local outbox. Nothing in
 * the app calls it directly; `queueEmail` and `deliver` in ./deliveries decide whether and when.
 */

const transports = new Map<string, Transporter>();

/**
 * One pooled transport per SMTP URL. The worker renews its claim on a delivery for as long as the
 * send takes, so these timeouts are what ends a send that hangs, and gives the delivery back.
 */
function transportFor(url: string): Transporter {
	let transport = transports.get(url);
	if (!transport) {
		transport = nodemailer.createTransport({
			url,
			pool: true,
			maxConnections: 5,
			connectionTimeout: 20_000,
			greetingTimeout: 20_000,
			socketTimeout: 45_000
		});
		transports.set(url, transport);
	}
	return transport;
}

/** Closes pooled SMTP connections, so a stopping worker leaves nothing open. */
export function closeTransports(): void {
	for (const transport of transports.values()) transport.close();
	transports.clear();
}

/** True when email is kept in the local outbox instead of being sent. */
export function usesOutbox(): boolean {
	return !config().SMTP_URL;
}

/** Hands the message to the SMTP server of SMTP_URL; resolves once the server accepted it. */
export async function sendSmtp(email: Email, messageId: string): Promise<void> {
	const settings = config();
	if (!settings.SMTP_URL) throw new Error('SMTP_URL is not set');
	const from = settings.EMAIL_FROM;
	// Handed over whole, the message leaves in a couple of socket writes.
	// The Message-ID, given again, spares nodemailer making up one for a header it does not send.
	await transportFor(settings.SMTP_URL).sendMail({
		envelope: { from: from.address, to: [asciiAddress(email.to)] },
		messageId,
		raw: composeMime(email, { from: senderOf(email, from), messageId })
	});
}

/** EMAIL_FROM, under the email's own display name when it has one. */
export function senderOf(email: Email, from: Mailbox): Mailbox {
	return email.fromName ? { name: email.fromName, address: from.address } : from;
}

/** Keeps the message in the local outbox for a developer to read (and prints it outside production). */
export async function keepInOutbox(db: Db, email: Email, messageId: string): Promise<void> {
	await db.insert(outboxEmails).values({
		to: email.to,
		subject: email.subject,
		text: email.text,
		html: email.html,
		headers: {
			...email.headers,
			From: mailboxText(senderOf(email, config().EMAIL_FROM)),
			'Message-ID': messageId
		},
		attachments: email.attachments ?? []
	});
	if (!config().production) {
		console.log(`[outbox] To: ${email.to}\n[outbox] Subject: ${email.subject}\n${email.text}\n`);
	}
}
