import { z } from 'zod';
import { text } from '../../validation';

export const MAX_ADDRESS_LINES = 8;

/** Everything is optional: a statement leaves out what the practice has not filled in. */
export const practiceDetailsSchema = z.object({
	name: text(200).default(''),
	// Browsers send a textarea's line breaks as CRLF; stored and printed as LF.
	address: text(500)
		.transform((value) => value.replace(/\r\n?/g, '\n'))
		.refine(
			(value) => value.split('\n').length <= MAX_ADDRESS_LINES,
			`Use at most ${MAX_ADDRESS_LINES} lines.`
		)
		.default(''),
	taxId: text(50).default('')
});
