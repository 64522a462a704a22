import { fail, redirect, type RequestEvent } from '@sveltejs/kit';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import type { NoteRow } from '../db/schema';
import { serverCaller } from '../trpc/router';
import { renderNote } from './markdown';
import { addendumSchema, saveNoteSchema, signNoteSchema } from './schemas';
import { formFields } from '$lib/server/forms';

/**
 * A session's note as the note editor takes it. The HTML of a signed note is rendered here, on the
 * server, so the browser never turns the practitioner's text into markup itself.
 */
export function editorNote(note: NoteRow | null) {
	if (!note) return null;
	return {
		version: note.version,
		body: note.body,
		template: note.template,
		signedAt: note.signedAt,
		updatedAt: note.updatedAt,
		html: note.signedAt ? renderNote(note.body) : null
	};
}

export function editorAddenda(addenda: { id: string; body: string; createdAt: Date }[]) {
	return addenda.map((addendum) => ({ ...addendum, html: renderNote(addendum.body) }));
}

export type EditorNote = NonNullable<ReturnType<typeof editorNote>>;
export type EditorAddendum = ReturnType<typeof editorAddenda>[number];

/** A refusal of a note form sent without JavaScript; the editor shows it and keeps the text. */
export type NoteProblem = {
	sessionId: string;
	message: string;
	body?: string;
	template?: NoteRow['template'];
	/** On a conflict, the version now saved: sending the same text again keeps it on top. */
	baseVersion?: number;
};

/** The page the form was sent from, without SvelteKit's `?/action` parameter. */
function backTo(url: URL): string {
	const back = new URL(url);
	for (const key of [...back.searchParams.keys()]) {
		if (key.startsWith('/')) back.searchParams.delete(key);
	}
	return back.pathname + back.search;
}

function refused(error: unknown, problem: NoteProblem) {
	if (!(error instanceof TRPCError)) throw error;
	return fail(getHTTPStatusCodeFromError(error), {
		noteProblem: { ...problem, message: error.message }
	});
}

/**
 * Form actions behind the note editor's forms, for browsers without JavaScript (with it, the
 * editor calls tRPC itself). A page that shows the editor spreads these into its `actions`.
 */
export const noteActions = {
	saveNote: async (event: RequestEvent) => {
		const data = await formFields(event.request);
		const input = saveNoteSchema.safeParse(data);
		if (!input.success) {
			const message = input.error.issues[0]?.message ?? 'The note could not be read.';
			return fail(400, { noteProblem: { sessionId: String(data.sessionId ?? ''), message } });
		}
		const caller = serverCaller(event);
		try {
			await caller.notes.save(input.data);
		} catch (error) {
			let baseVersion: number | undefined;
			if (error instanceof TRPCError && error.code === 'CONFLICT') {
				const current = await caller.sessions.get({ id: input.data.sessionId });
				baseVersion = current.note?.signedAt ? undefined : current.note?.version;
			}
			return refused(error, { ...input.data, message: '', baseVersion });
		}
		redirect(303, backTo(event.url));
	},

	signNote: async (event: RequestEvent) => {
		const data = await formFields(event.request);
		const input = signNoteSchema.safeParse(data);
		if (!input.success) {
			return fail(400, {
				noteProblem: { sessionId: String(data.sessionId ?? ''), message: 'Save the note first.' }
			});
		}
		try {
			await serverCaller(event).notes.sign(input.data);
		} catch (error) {
			return refused(error, { sessionId: input.data.sessionId, message: '' });
		}
		redirect(303, backTo(event.url));
	},

	addAddendum: async (event: RequestEvent) => {
		const data = await formFields(event.request);
		const input = addendumSchema.safeParse(data);
		if (!input.success) {
			const message = input.error.issues[0]?.message ?? 'Write the addendum first.';
			return fail(400, { noteProblem: { sessionId: String(data.sessionId ?? ''), message } });
		}
		try {
			await serverCaller(event).notes.addAddendum(input.data);
		} catch (error) {
			return refused(error, { sessionId: input.data.sessionId, message: '' });
		}
		redirect(303, backTo(event.url));
	}
};
