import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { PRACTICE } from '$lib/dependencies';
import { confirmed, formFields } from '$lib/server/forms';
import { renderNote } from '$lib/server/notes/markdown';
import { serverCaller } from '$lib/server/trpc/router';

export const load: PageServerLoad = async (event) => {
	event.depends(PRACTICE);
	const { client, sessions, owed } = await serverCaller(event).clients.get({ id: event.params.id });
	return {
		client,
		owed,
		sessions: sessions.map(({ noteBody, ...session }) => ({
			...session,
			noteHtml: noteBody ? renderNote(noteBody) : null
		}))
	};
};

export const actions: Actions = {
	archive: async (event) => {
		await serverCaller(event).clients.setArchived({ id: event.params.id, archived: true });
		return { done: 'archived' as const };
	},
	restore: async (event) => {
		await serverCaller(event).clients.setArchived({ id: event.params.id, archived: false });
		return { done: 'restored' as const };
	},
	delete: async (event) => {
		const caller = serverCaller(event);
		if (!confirmed(await formFields(event.request))) {
			// Asks only about a client that is there to delete (and sends the signed-out to sign in).
			await caller.clients.get({ id: event.params.id });
			return { confirm: { action: 'delete' as const } };
		}
		await caller.clients.delete({ id: event.params.id });
		redirect(303, '/clients');
	}
};
