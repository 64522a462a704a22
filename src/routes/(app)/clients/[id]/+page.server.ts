import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { PRACTICE } from '$lib/dependencies';
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
	},
	restore: async (event) => {
		await serverCaller(event).clients.setArchived({ id: event.params.id, archived: false });
	},
	delete: async (event) => {
		await serverCaller(event).clients.delete({ id: event.params.id });
		redirect(303, '/clients');
	}
};
