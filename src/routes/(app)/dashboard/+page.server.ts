import type { PageServerLoad } from './$types';
import { PRACTICE } from '$lib/dependencies';
import { noteText } from '$lib/server/notes/markdown';
import { serverCaller } from '$lib/server/trpc/router';

export const load: PageServerLoad = async (event) => {
	event.depends(PRACTICE);
	const caller = serverCaller(event);
	const [summary, zoomHealth] = await Promise.all([
		caller.dashboard.summary(),
		caller.zoom.health()
	]);
	// The excerpts show the notes' words, not their markdown.
	const recentNotes = summary.recentNotes.map((note) => ({ ...note, body: noteText(note.body) }));
	return { summary: { ...summary, recentNotes }, zoomHealth };
};
