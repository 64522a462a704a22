import { onDestroy } from 'svelte';
import { get, type Writable } from 'svelte/store';
import { browser } from '$app/environment';
import { page } from '$app/stores';
import { superForm as libraryForm, type SuperForm } from 'sveltekit-superforms';

/** The message a form shows above its fields: an outcome, or a problem not tied to one field. */
export type FormMessage = { kind: 'success' | 'error'; text: string };

/**
 * superForm, with two changes to the library's defaults:
 * - An answer the form did not expect (a server error, a refused cross-site post) shows as the
 *   form's message, with everything typed still in place. The library's default throws it, which
 *   leaves the form waiting with its button greyed out.
 * - A page reloaded under the form (a live update, a change in another tab) refreshes its values
 *   only while nobody is typing in it or reading its errors, and keeps its message. The library's
 *   default puts the reloaded values over what was typed and clears the message and errors.
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
		applyAction: 'never',
		...options
	});
	if (browser) refreshWhileUnused(created, form);
	return created;
}) as typeof libraryForm;

function refreshWhileUnused<T extends Record<string, unknown>, M>(
	created: SuperForm<T, M>,
	initial: unknown
): void {
	const seen = new WeakSet<object>();
	if (isObject(initial)) seen.add(initial);
	let shownAt: string | undefined;
	onDestroy(
		page.subscribe(({ data, url }) => {
			// The same page at another address (a filter's query) is another form: it starts afresh.
			const moved = shownAt !== undefined && url.href !== shownAt;
			shownAt = url.href;
			const formId = get(created.formId);
			for (const loaded of Object.values(data)) {
				if (!isObject(loaded) || loaded.id !== formId || seen.has(loaded)) continue;
				seen.add(loaded);
				if (!isObject(loaded.data)) continue;
				const values = loaded.data as Partial<T>;
				if (moved) {
					created.reset({ data: values, newState: values });
					continue;
				}
				const inUse =
					created.isTainted() || get(created.submitting) || get(created.allErrors).length > 0;
				// The outcome of the last save stays in view above the values it saved.
				if (!inUse) created.reset({ data: values, newState: values, keepMessage: true });
			}
		})
	);
}

function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null;
}
