import type { Writable } from 'svelte/store';
import { superForm as libraryForm } from 'sveltekit-superforms';

/** The message a form shows above its fields: an outcome, or a problem not tied to one field. */
export type FormMessage = { kind: 'success' | 'error'; text: string };

/**
 * superForm, except that an answer the form did not expect (a server error, a refused
 * cross-site post) shows as the form's message, with everything typed still in place. The
 * library's default throws it, which leaves the form waiting with its button greyed out.
 */
export const superForm = ((form, options) => {
	const created = libraryForm(form, {
		onError({ result }) {
			// Every form of ours carries a FormMessage (App.Superforms.Message).
			(created.message as Writable<FormMessage | undefined>).set({
				kind: 'error',
				text:
					(result.status ?? 500) >= 500
						? 'Something went wrong on our side and nothing was saved. Please try again in a moment.'
						: result.error.message
			});
		},
		...options
	});
	return created;
}) as typeof libraryForm;
