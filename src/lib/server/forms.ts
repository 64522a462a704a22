import { error, fail } from '@sveltejs/kit';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import type { SuperValidated } from 'sveltekit-superforms';
import { ZodError } from 'zod';

type AnyForm = SuperValidated<Record<string, unknown>>;

/** Passwords are never sent back to the browser, not even into the form they came from. */
function withoutPasswords<F extends AnyForm>(form: F): F {
	for (const key of Object.keys(form.data)) {
		if (/password/i.test(key)) (form.data as Record<string, unknown>)[key] = '';
	}
	return form;
}

/** The form with its errors, as an action's failure. */
export function reject<F extends AnyForm>(form: F, status = 400) {
	form.valid = false;
	return fail(status, { form: withoutPasswords(form) });
}

/**
 * Runs a procedure for a form action. A TRPCError becomes errors beside the fields it names, or a
 * message above the form; anything else is a bug and propagates as a 500.
 */
export async function attempt<F extends AnyForm, R>(
	form: F,
	call: () => Promise<R>
): Promise<{ ok: true; value: R } | { ok: false; failure: ReturnType<typeof reject<F>> }> {
	try {
		return { ok: true, value: await call() };
	} catch (error) {
		if (!(error instanceof TRPCError)) throw error;
		if (error.cause instanceof ZodError) {
			const errors = form.errors as Record<string, string[] | undefined>;
			for (const issue of error.cause.issues) {
				const field = String(issue.path[0] ?? '');
				errors[field] = [...(errors[field] ?? []), issue.message];
			}
		} else {
			form.message = { kind: 'error', text: error.message };
		}
		return { ok: false, failure: reject(form, getHTTPStatusCodeFromError(error)) };
	}
}

/**
 * For forms of plain buttons (set a status, mark paid): a refusal becomes `problem`, shown at the
 * top of the page, with the procedure's own status code.
 */
export async function attemptButton(call: () => Promise<unknown>) {
	try {
		await call();
	} catch (error) {
		if (!(error instanceof TRPCError)) throw error;
		return fail(getHTTPStatusCodeFromError(error), { problem: error.message });
	}
}

/**
 * Whether a post is the second, confirming step of an action that emails or removes people
 * (`ui/ConfirmDialog.svelte` sends it). Without it the action asks instead of acting, also for a
 * browser without JavaScript.
 */
export function confirmed(data: Record<string, FormDataEntryValue>): boolean {
	return data.confirmed === 'yes';
}

/** A posted form's fields. A body that is no form is the sender's mistake: 400, not a 500. */
export async function formFields(request: Request): Promise<Record<string, FormDataEntryValue>> {
	try {
		return Object.fromEntries(await request.formData());
	} catch {
		error(400, 'This request is not a form: send it from its page.');
	}
}
