import { formatDateTime, type DatePrefs } from '../../format';
import type { Email, EmailAttachment } from './mailer';
import { compose, type Link } from './templates';

/**
 * "Tuesday, 3 March 2026, 18:00 (Europe/Berlin)" as the practitioner writes dates: a reader's
 * zone is unknown in an email, so the series' zone is always named.
 */
export function whenInZone(
	instant: Date,
	timeZone: string,
	writing: Pick<DatePrefs, 'locale' | 'clock'>
): string {
	return formatDateTime(instant, timeZone, { ...writing, timeZone: null }, 'long');
}

export type SubscriberMessage = {
	to: string;
	seriesTitle: string;
	/** The practitioner's name: the email comes from "<name> via Sessionboard" and is signed by them. */
	practitioner: string;
	subject: string;
	greeting: string;
	paragraphs: string[];
	action?: Link;
	/** The one-click unsubscribe page, `${origin}/u/<token>`; its POST unsubscribes (RFC 8058). */
	unsubscribeUrl: string;
	/** The subscriber's self-service page, `${origin}/m/<token>`. */
	manageUrl: string;
	attachments?: EmailAttachment[];
};

/**
 * Every email to a subscriber: HTML and text parts with a visible unsubscribe and manage link, and
 * the List-Unsubscribe headers that let a mail client offer unsubscribing in one click (RFC 8058:
 * the client POSTs `List-Unsubscribe=One-Click` to the URL, with no page and no cookie).
 */
export function subscriberMessage(message: SubscriberMessage): Email {
	const email = compose(message.to, message.subject, {
		signature: message.practitioner,
		greeting: message.greeting,
		paragraphs: message.paragraphs,
		action: message.action,
		footer: {
			text: `You get this email because you signed up for “${message.seriesTitle}”.`,
			links: [
				{ label: 'Manage your place', url: message.manageUrl },
				{ label: 'Unsubscribe from these emails', url: message.unsubscribeUrl }
			]
		}
	});
	return {
		...email,
		fromName: `${message.practitioner} via Sessionboard`,
		headers: {
			'List-Unsubscribe': `<${message.unsubscribeUrl}>`,
			'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click'
		},
		...(message.attachments?.length ? { attachments: message.attachments } : {})
	};
}
