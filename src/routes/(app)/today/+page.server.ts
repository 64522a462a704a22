import { fail, type RequestEvent } from '@sveltejs/kit';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import type { Actions, PageServerLoad } from './$types';
import { PRACTICE } from '$lib/dependencies';
import { attemptButton, formFields } from '$lib/server/forms';
import { editorAddenda, editorNote, noteActions } from '$lib/server/notes/editor';
import { serverCaller } from '$lib/server/trpc/router';

/** "2025-03-14" in the zone. en-CA is the locale whose short date is already ISO-shaped. */
function localDate(instant: Date, timeZone: string): string {
	return new Intl.DateTimeFormat('en-CA', { timeZone }).format(instant);
}

/**
 * Every session of today with its note, whichever one is open: the page then works as one
 * document (choosing another session needs no request), which is also what the service worker
 * keeps for a reload without a connection. The open session lives in `?session=` and is read by
 * the page, not here, so choosing one does not run this load again.
 */
export const load: PageServerLoad = async (event) => {
	event.depends(PRACTICE);
	const { user } = await event.parent();
	const caller = serverCaller(event);
	const today = localDate(new Date(), user.timeZone);
	const agenda = await caller.sessions.agenda({ date: today, view: 'day' });
	const details = await Promise.all(
		agenda.sessions.map((session) =>
			caller.sessions.get({ id: session.id }).catch((error: unknown) => {
				// Deleted between the two queries (from another device): leave it out.
				if (error instanceof TRPCError && error.code === 'NOT_FOUND') return null;
				throw error;
			})
		)
	);
	return {
		today,
		sessions: details
			.filter((session) => session !== null)
			.map((session) => ({
				id: session.id,
				clientId: session.clientId,
				clientName: session.clientName,
				startsAt: session.startsAt,
				endsAt: session.endsAt,
				status: session.status,
				locationKind: session.locationKind,
				locationDetail: session.locationDetail,
				startedAt: session.startedAt,
				finishedAt: session.finishedAt,
				begun: session.begun,
				recurring: session.recurring,
				note: editorNote(session.note),
				addenda: editorAddenda(session.addenda)
			}))
	};
};

const sessionForm = z.object({ id: z.uuid() });
const statusForm = sessionForm.extend({
	status: z.enum(['scheduled', 'no_show', 'late_cancelled', 'cancelled'])
});

async function formOf<S extends z.ZodType>(event: RequestEvent, schema: S) {
	return schema.safeParse(await formFields(event.request));
}

/**
 * The session's buttons. Their forms post to `?session=<id>&/<action>`, so a browser without
 * JavaScript comes back to the same open session.
 */
export const actions: Actions = {
	start: async (event) => {
		const input = await formOf(event, sessionForm);
		if (!input.success) return fail(400, { problem: 'Choose a session first.' });
		return attemptButton(() => serverCaller(event).sessions.start(input.data));
	},
	finish: async (event) => {
		const input = await formOf(event, sessionForm);
		if (!input.success) return fail(400, { problem: 'Choose a session first.' });
		return attemptButton(() => serverCaller(event).sessions.finish(input.data));
	},
	status: async (event) => {
		const input = await formOf(event, statusForm);
		if (!input.success) return fail(400, { problem: 'Choose a status.' });
		return attemptButton(() =>
			serverCaller(event).sessions.setStatus({ ...input.data, scope: 'this' })
		);
	},
	...noteActions
};
