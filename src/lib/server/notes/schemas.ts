import { z } from 'zod';
import { count, PG_INTEGER_MAX, text } from '../../validation';

export const noteTemplates = ['free', 'soap', 'dap'] as const;

export const saveNoteSchema = z.object({
	sessionId: z.uuid(),
	template: z.enum(noteTemplates).default('free'),
	body: text(100_000, { trim: false, tooLong: 'A note can hold at most 100,000 characters.' }),
	/** The version the edit started from; 0 for a note that did not exist yet. */
	baseVersion: count(0, PG_INTEGER_MAX)
});

export const signNoteSchema = z.object({
	sessionId: z.uuid(),
	version: count(1, PG_INTEGER_MAX)
});

export const addendumSchema = z.object({
	sessionId: z.uuid(),
	body: text(20_000).min(1, 'Write the addendum first.')
});
