import { z } from 'zod';
import { count, text } from '../../validation';

const optionalText = (max: number) => text(max).default('');
// Built once: a zod schema costs far more to build than to run, and an import checks 50,000 rows.
const emailFormat = z.email();

export const clientFields = z.object({
	name: text(200).min(1, 'Enter the client’s name.'),
	email: text(254, { tooLong: 'That email address is too long.' })
		.toLowerCase()
		.refine((v) => v === '' || emailFormat.safeParse(v).success, 'Enter a valid email address.')
		.default(''),
	phone: optionalText(40).refine(
		(v) => v === '' || /^[+()\d][\d\s().\-/]*$/.test(v),
		'Use digits, spaces and + ( ) - only.'
	),
	notes: optionalText(20_000),
	/** Comma-separated, as typed in the form; see parseTags. */
	tags: text(1000)
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

/** Where the next page of the client list starts: after this lower-case name and id. */
export type ClientsCursor = { name: string; id: string };

// A name of 200 characters may grow when lower-cased, and each character takes up to 4 bytes.
const cursorFields = z.tuple([text(800, { trim: false }), z.uuid()]);

export const encodeCursor = (cursor: ClientsCursor) =>
	Buffer.from(JSON.stringify([cursor.name, cursor.id])).toString('base64url');

/** The cursor encodeCursor wrote, or null for anything else (an edited or truncated address). */
export function decodeCursor(value: string): ClientsCursor | null {
	let decoded: unknown;
	try {
		decoded = JSON.parse(Buffer.from(value, 'base64url').toString());
	} catch {
		return null;
	}
	const fields = cursorFields.safeParse(decoded);
	return fields.success ? { name: fields.data[0], id: fields.data[1] } : null;
}

export const listClientsSchema = z.object({
	q: text(100).default(''),
	tag: text(40).default(''),
	show: z.enum(['active', 'archived', 'all']).default('active'),
	cursor: z
		.string()
		.max(5000)
		.refine((value) => decodeCursor(value) !== null, 'This page link is not valid.')
		.optional(),
	limit: count(1, 100).default(25)
});
