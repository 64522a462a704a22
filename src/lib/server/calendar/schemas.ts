import { z } from 'zod';
import { text } from '../../validation';

/** A feed token as issued: 32 characters of base32 (160 random bits). */
export const feedToken = z.object({ token: z.string().regex(/^[a-z2-7]{32}$/) });

export const feedNamesSchema = z.object({ showFullNames: z.boolean() });

/** An .ics file's text; a calendar of a few years of appointments fits well within it. */
export const ICS_MAX_CHARS = 2_000_000;
const icsText = text(ICS_MAX_CHARS, { trim: false }).min(1, 'Choose an .ics file.');

export const previewImportSchema = z.object({ ics: icsText });

export const importEventsSchema = z.object({
	ics: icsText,
	choices: z
		.array(z.object({ key: text(2000).min(1), clientId: z.uuid('Choose a client.') }))
		.min(1, 'Choose at least one event.')
		.max(1000)
});
