import { z } from 'zod';
import { CLOCKS, LOCALES } from '../../format';
import { isCurrencyCode } from '../../money';
import { passwordWeakness } from '../auth/password';

export function isTimeZone(value: string): boolean {
	try {
		new Intl.DateTimeFormat('en', { timeZone: value });
		return true;
	} catch {
		return false;
	}
}

const email = z
	.string()
	.trim()
	.toLowerCase()
	.min(1, 'Enter your email address.')
	.max(254, 'That email address is too long.')
	.email('Enter a valid email address.');
const name = z.string().trim().min(1, 'Enter your name.').max(100, 'Use at most 100 characters.');
const newPassword = z
	.string()
	.min(10, 'Use at least 10 characters.')
	.max(256, 'Use at most 256 characters.');
const timeZone = z.string().trim().max(64).refine(isTimeZone, 'Choose a valid time zone.');
const token = z.string().trim().min(1).max(200);

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

export const signUpSchema = z
	.object({
		name,
		email,
		password: newPassword,
		ageConfirmed: z
			.boolean()
			.default(false)
			.refine((v) => v, 'Sessionboard is only for people aged 16 or older.'),
		timeZone: timeZone.or(z.literal('')).default('')
	})
	.superRefine(strongPassword('password', (v) => [v.name, v.email]));

export const signInSchema = z.object({
	email,
	password: z.string().min(1, 'Enter your password.').max(256)
});

export const requestResetSchema = z.object({ email });

export const resetPasswordSchema = z
	.object({ token, password: newPassword })
	.superRefine(strongPassword('password'));

export const changePasswordSchema = z
	.object({
		currentPassword: z.string().min(1, 'Enter your current password.').max(256),
		newPassword
	})
	.superRefine(strongPassword('newPassword'));

export const profileSchema = z.object({
	name,
	timeZone,
	currency: z.string().trim().toUpperCase().refine(isCurrencyCode, 'Choose a currency.'),
	locale: z.enum(LOCALES, 'Choose how dates are written.'),
	clock: z.enum(CLOCKS, 'Choose a clock.')
});

export const verifyEmailSchema = z.object({ token });
