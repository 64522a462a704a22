import { z } from 'zod';
import { email, text } from '../../validation';

/** The public signup form: name, email, optional phone, consent. `website` is a trap for bots. */
export const publicSignupSchema = z.object({
	name: text(120).min(1, 'Enter your name.'),
	email,
	phone: text(40)
		.refine(
			(v) => v === '' || /^[+()\d][\d\s().\-/]*$/.test(v),
			'Use digits, spaces and + ( ) - only.'
		)
		.default(''),
	consent: z
		.boolean()
		.default(false)
		.refine((v) => v, 'Please agree to receive emails about this series; they are how it works.'),
	website: text(200, { trim: false }).default('')
});

export const signedToken = z.object({ token: text(200).min(10) });

export const seriesSlug = text(60);

export const listSubscribersSchema = z.object({
	seriesId: z.uuid(),
	q: text(100).default('')
});

export const subscriberId = z.object({ id: z.uuid() });
