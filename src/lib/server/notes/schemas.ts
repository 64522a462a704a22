import { z } from 'zod';

export const noteTemplates = ['free', 'soap', 'dap'] as const;

export const saveNoteSchema = z.object({
	sessionId: z.uuid(),
	template: z.enum(noteTemplates).default('free'),
	body: z.string().max(100_000, 'A note can hold at most 100,000 characters.'),
	/** The version the edit started from; 0 for a note that did not exist yet. */
	baseVersion: z.coerce.number().int().min(0)
});

export const signNoteSchema = z.object({
	sessionId: z.uuid(),
	version: z.coerce.number().int().min(1)
});

export const addendumSchema = z.object({
	sessionId: z.uuid(),
	body: z.string().trim().min(1, 'Write the addendum first.').max(20_000)
});
