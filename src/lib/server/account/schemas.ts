import { z } from 'zod';
import { CLOCKS, LOCALES } from '../../format';
import { isCurrencyCode } from '../../money';
import { email, localTime, text, timeZone } from '../../validation';
import { passwordWeakness } from '../auth/password';

const name = text(100).min(1, 'Enter your name.');
const password = text(256, { trim: false });
const newPassword = password.min(10, 'Use at least 10 characters.');
const token = text(200).min(1);
/** Asked for again before a change that hands over or ends the account. */
export const currentPassword = password.min(1, 'Enter your current password.');

/** Adds zxcvbn's verdict as a field error, with the person's own name and email counted as guessable. */
function strongPassword<T extends Record<string, unknown>>(
	field: keyof T & string,
	personal: (value: T) => string[] = () => []
) {
	return (value: T, ctx: z.RefinementCtx) => {
		const password = value[field];
		if (typeof password !== 'string' || password.length < 10) return;
		const weakness = passwordWeakness(password, personal(value));
		if (weakness) ctx.addIssue({ code: 'custom', path: [field], message: weakness });
	};
}

const ageConfirmed = z
	.boolean()
	.default(false)
	.refine((v) => v, 'Sessionboard is only for people aged 16 or older.');
// The browser's own zone, sent unseen: one PostgreSQL does not know starts the account in UTC
// (changeable in settings) rather than refusing a field the person cannot see.
const browserTimeZone = timeZone.or(z.literal('')).default('').catch('');

export const signUpSchema = z
	.object({ name, email, password: newPassword, ageConfirmed, timeZone: browserTimeZone })
	.superRefine(strongPassword('password', (v) => [v.name, v.email]));

/** The age step of a new Google user; who they are waits in the pending sign-in's cookie. */
export const googleAgeSchema = z.object({ ageConfirmed, timeZone: browserTimeZone });
export const googleSignUpSchema = googleAgeSchema.extend({ pending: token });

export const signInSchema = z.object({
	email,
	password: password.min(1, 'Enter your password.')
});

/**
 * The page's: `linkGoogle` is a hidden field only the page back from Google (`?google=link`)
 * renders, so a later password sign-in in the same browser links nothing unasked.
 */
export const signInFormSchema = signInSchema.extend({ linkGoogle: z.boolean().default(false) });

/** The procedure's: the form's fields, and the Google sign-in waiting for this password, if any. */
export const signInLinkingSchema = signInSchema.extend({ googlePending: token.optional() });

export const requestResetSchema = z.object({ email });

export const resetPasswordSchema = z
	.object({ token, password: newPassword })
	.superRefine(strongPassword('password'));

/** A first password for an account made with Google: nothing to confirm it with. */
export const addPasswordSchema = z
	.object({ newPassword })
	.superRefine(strongPassword('newPassword'));

export const changePasswordSchema = z
	.object({
		currentPassword,
		newPassword
	})
	.superRefine(strongPassword('newPassword'));

export const profileSchema = z.object({
	name,
	timeZone,
	currency: text(3).toUpperCase().refine(isCurrencyCode, 'Choose a currency.'),
	locale: z.enum(LOCALES, 'Choose how dates are written.'),
	clock: z.enum(CLOCKS, 'Choose a clock.')
});

export const COLOR_SCHEMES = ['system', 'light', 'dark'] as const;

export const appearanceSchema = z.object({
	colorScheme: z.enum(COLOR_SCHEMES, 'Choose light, dark, or as on this device.')
});

/** "HH:MM" as minutes after midnight, as the working hours are stored. */
export function minutesOfDay(time: string): number {
	const [hours, minutes] = time.split(':').map(Number);
	return hours! * 60 + minutes!;
}

/** The calendar's working hours, "HH:MM" each: the part of the day its grid shows first. */
export const workingHoursSchema = z
	.object({ dayStartsAt: localTime, dayEndsAt: localTime })
	.refine((hours) => hours.dayStartsAt < hours.dayEndsAt, {
		message: 'End the working day after it starts.',
		path: ['dayEndsAt']
	});

/** Whether visitors of the practitioner's signup pages see their picture. */
export const publicPictureSchema = z.object({ pictureOnPublicPages: z.boolean() });

/** The token of an emailed link confirming an address: a new account's, or a changed email. */
export const emailLinkSchema = z.object({ token });

export const requestEmailChangeSchema = z.object({
	newEmail: email,
	password: currentPassword
});
