import type { FormMessage } from './forms';

/**
 * What the sign-in and settings pages say after a trip to Google. Only these words are shown: the
 * address names one of them, never text of its own, and nothing of Google's is passed on.
 */
export const googleNotices = {
	cancelled: { kind: 'error', text: 'Signing in with Google was cancelled.' },
	failed: {
		kind: 'error',
		text: 'Signing in with Google did not work: the answer could not be checked. Please try again.'
	},
	unavailable: {
		kind: 'error',
		text: 'Google could not be reached just now. Please try again in a moment.'
	},
	'no-email': {
		kind: 'error',
		text: 'Google did not share your email address, which Sessionboard needs. Please try again and allow it.'
	},
	unverified: {
		kind: 'error',
		text: 'Google has not verified this email address, so it cannot be used here. Verify it with Google first, or sign in with your password.'
	},
	'too-many': {
		kind: 'error',
		text: 'Too many attempts. Please try again in a few minutes.'
	},
	expired: {
		kind: 'error',
		text: 'This sign-in with Google took too long or was already used. Please start again.'
	},
	link: {
		kind: 'success',
		text: 'An account with this email exists: sign in with its password to link Google.'
	},
	linked: { kind: 'success', text: 'Google is linked: you can sign in with it from now on.' },
	'linked-elsewhere': {
		kind: 'error',
		text: 'That Google account is already linked to another Sessionboard account. Unlink it there first.'
	},
	unconfirmed: {
		kind: 'error',
		text: 'Confirm your email address first (follow the link we emailed you), then link Google.'
	},
	'other-linked': {
		kind: 'error',
		text: 'Another Google account is linked to yours. Unlink it first to link this one.'
	}
} as const satisfies Record<string, FormMessage>;

type GoogleNotice = keyof typeof googleNotices;

export function googleNotice(code: string | null) {
	return code && Object.hasOwn(googleNotices, code) ? googleNotices[code as GoogleNotice] : null;
}
