import { z } from 'zod';

/** The public signup form: name, email, optional phone, consent. `website` is a trap for bots. */
export const publicSignupSchema = z.object({
	name: z.string().trim().min(1, 'Enter your name.').max(120, 'Use at most 120 characters.'),
	email: z
		.string()
		.trim()
		.toLowerCase()
		.min(1, 'Enter your email address.')
		.max(254, 'That email address is too long.')
		.email('Enter a valid email address.'),
	phone: z
		.string()
		.trim()
		.max(40, 'Use at most 40 characters.')
		.refine(
			(v) => v === '' || /^[+()\d][\d\s().\-/]*$/.test(v),
			'Use digits, spaces and + ( ) - only.'
		)
		.default(''),
	consent: z
		.boolean()
		.default(false)
		.refine((v) => v, 'Please agree to receive emails about this series; they are how it works.'),
	website: z.string().max(200).default('')
});

export const signedToken = z.object({ token: z.string().trim().min(10).max(200) });

export const listSubscribersSchema = z.object({
	seriesId: z.uuid(),
	q: z.string().trim().max(100).default('')
});

export const subscriberId = z.object({ id: z.uuid() });
