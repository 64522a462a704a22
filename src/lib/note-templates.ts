import type { noteTemplates } from '$lib/server/notes/schemas';

export type NoteTemplate = (typeof noteTemplates)[number];

/** Starter headings for structured notes; the editor in the browser fills them in, so not server-only. */
export const NOTE_TEMPLATES: Record<NoteTemplate, string> = {
	free: '',
	soap: '## Subjective\n\n\n## Objective\n\n\n## Assessment\n\n\n## Plan\n\n',
	dap: '## Data\n\n\n## Assessment\n\n\n## Plan\n\n'
};

export const NOTE_TEMPLATE_LABELS: Record<NoteTemplate, string> = {
	free: 'Free',
	soap: 'SOAP',
	dap: 'DAP'
};
