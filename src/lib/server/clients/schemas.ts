import { z } from 'zod';

const optionalText = (max: number, message: string) =>
	z.string().trim().max(max, message).default('');

export const clientFields = z.object({
	name: z
		.string()
		.trim()
		.min(1, 'Enter the client’s name.')
		.max(200, 'Use at most 200 characters.'),
	email: z
		.string()
		.trim()
		.toLowerCase()
		.max(254, 'That email address is too long.')
		.refine((v) => v === '' || z.email().safeParse(v).success, 'Enter a valid email address.')
		.default(''),
	phone: optionalText(40, 'Use at most 40 characters.').refine(
		(v) => v === '' || /^[+()\d][\d\s().\-/]*$/.test(v),
		'Use digits, spaces and + ( ) - only.'
	),
	notes: optionalText(20_000, 'Use at most 20,000 characters.'),
	/** Comma-separated, as typed in the form; see parseTags. */
	tags: z
		.string()
		.max(1000)
		.default('')
		.refine((v) => parseTags(v).every((t) => t.length <= 40), 'Keep each tag under 40 characters.')
});

/** "Couples, online,couples" → ['couples', 'online']: distinct, trimmed, lower-case, at most 20. */
export function parseTags(value: string): string[] {
	return [...new Set(value.split(',').map((t) => t.trim().toLowerCase()))]
		.filter(Boolean)
		.slice(0, 20);
}

export const clientId = z.object({ id: z.uuid() });
export const updateClientSchema = clientFields.extend({ id: z.uuid() });

export const listClientsSchema = z.object({
	q: z.string().trim().max(100).default(''),
	tag: z.string().trim().max(40).default(''),
	show: z.enum(['active', 'archived', 'all']).default('active'),
	cursor: z.string().max(400).optional(),
	limit: z.number().int().min(1).max(100).default(25)
});
