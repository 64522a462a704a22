import type { Email } from './mailer';

/**
 * Every email Sessionboard sends, each one transactional: caused by the recipient's own action
 * (signing up, asking for a reset, joining a series), by their booking, or telling them of a
 * change to their account or their place. There is no newsletter, no campaign and no email to a
 * list: a purpose that is not here cannot be queued (see checkedPurpose), and docs/privacy.md
 * names each one.
 */
export const accountEmailPurposes = {
	'verify-email': 'the practitioner signed up: a link to confirm their address',
	'already-registered': 'someone signed up with an address that has an account: its holder is told',
	'reset-password': 'the practitioner asked to reset their password',
	'password-changed': 'a security notice: the password was changed',
	'password-added': 'a security notice: a Google-only account set a password',
	'google-unlinked': 'a security notice: Google sign-in was unlinked',
	'email-change': 'the practitioner asked to change their address: a link to confirm the new one',
	'email-change-taken': 'someone asked to move an account to this address, which has an account',
	'email-changed': 'a security notice to the old address: the address was changed'
} as const;

/** Emails to a series' subscribers; each carries a one-click unsubscribe link and headers. */
export const subscriberEmailPurposes = {
	'series-confirm': 'the subscriber signed up: a link to confirm their place',
	'series-already': 'the subscriber signed up again: where they stand',
	'series-admitted': 'their place is confirmed, with the dates',
	'series-waitlisted': 'the series is full: they are on the waitlist',
	'series-promoted': 'a place came free and is theirs',
	'series-offer': 'a paid place came free: a link to pay for it',
	'series-hold-lapsed': 'the place kept while they paid was passed on',
	'series-reminder': 'a reminder before a date they booked, with the join link',
	'occurrence-cancelled': 'a date they booked was cancelled',
	'occurrence-restored': 'a cancelled date they booked takes place after all',
	'occurrence-moved': 'a date they booked was moved',
	'billing-notice': 'a payment for their place failed',
	'subscription-ended': 'their paid subscription ended',
	'place-gone': 'they paid after their place was passed on: the payment is cancelled',
	'charged-twice': 'they were charged twice: the second subscription is cancelled'
} as const;

/**
 * The one email to subscribers that carries no unsubscribe link: the last one, sent as the
 * practitioner's account is deleted, when the subscriber's record goes with it. There is nothing
 * left to unsubscribe from.
 */
export const farewellEmailPurposes = {
	'series-ended':
		'the organiser deleted their account: the series ended, and this is the last email'
} as const;

export type SubscriberEmailPurpose = keyof typeof subscriberEmailPurposes;
export type EmailPurpose =
	keyof typeof accountEmailPurposes | SubscriberEmailPurpose | keyof typeof farewellEmailPurposes;

function isSubscriberPurpose(purpose: string): purpose is SubscriberEmailPurpose {
	return Object.hasOwn(subscriberEmailPurposes, purpose);
}

/**
 * Refuses an email the lists above do not account for, and a subscriber email without its
 * unsubscribe headers: a mistake in the code, never something a user can cause.
 */
export function checkedPurpose(purpose: EmailPurpose, email: Email): EmailPurpose {
	const known =
		Object.hasOwn(accountEmailPurposes, purpose) ||
		isSubscriberPurpose(purpose) ||
		Object.hasOwn(farewellEmailPurposes, purpose);
	if (!known) throw new Error(`No email purpose "${purpose}" is listed as transactional`);
	if (
		isSubscriberPurpose(purpose) &&
		(!email.headers?.['List-Unsubscribe'] ||
			email.headers['List-Unsubscribe-Post'] !== 'List-Unsubscribe=One-Click')
	) {
		throw new Error(`A "${purpose}" email to a subscriber lacks its List-Unsubscribe headers`);
	}
	return purpose;
}
