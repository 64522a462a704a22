import nodemailer, { type Transporter } from 'nodemailer';
import { config } from '../config';
import type { Db } from '../db';
import { outboxEmails } from '../db/schema';

export type Email = {
	to: string;
	subject: string;
	text: string;
	html: string;
	headers?: Record<string, string>;
};

const transports = new Map<string, Transporter>();

function transportFor(url: string): Transporter {
	let transport = transports.get(url);
	if (!transport) {
		transport = nodemailer.createTransport(url);
		transports.set(url, transport);
	}
	return transport;
}

/** True when email is kept in the local outbox instead of being sent. */
export function usesOutbox(): boolean {
	return !config().SMTP_URL;
}

/**
 * Sends through SMTP_URL, or, with none configured, keeps the message in the local outbox where a
 * developer can read it (and prints it outside production).
 */
export async function sendEmail(db: Db, email: Email): Promise<void> {
	const settings = config();
	if (settings.SMTP_URL) {
		await transportFor(settings.SMTP_URL).sendMail({
			from: settings.EMAIL_FROM,
			to: email.to,
			subject: email.subject,
			text: email.text,
			html: email.html,
			headers: email.headers
		});
		return;
	}
	await db.insert(outboxEmails).values({
		to: email.to,
		subject: email.subject,
		text: email.text,
		html: email.html,
		headers: email.headers ?? {}
	});
	if (!settings.production) {
		console.log(`[outbox] To: ${email.to}\n[outbox] Subject: ${email.subject}\n${email.text}\n`);
	}
}
