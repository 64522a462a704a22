import { redirect } from '@sveltejs/kit';
import { superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import type { Actions, PageServerLoad } from './$types';
import { pendingNewAccount } from '$lib/server/account/google';
import { googleAgeSchema } from '$lib/server/account/schemas';
import { forgetPending, pendingToken } from '$lib/server/auth/google-cookies';
import { getDb } from '$lib/server/db';
import { attempt, reject } from '$lib/server/forms';
import { serverCaller } from '$lib/server/trpc/router';

const schema = zod4(googleAgeSchema);

/** A new Google user's one question before their account is made: are they 16 or older. */
export const load: PageServerLoad = async ({ cookies, locals }) => {
	if (locals.user) redirect(303, '/dashboard');
	const person = await pendingNewAccount(getDb(), pendingToken(cookies));
	if (!person) redirect(303, '/sign-in?google=expired');
	return { person, form: await superValidate(schema) };
};

export const actions: Actions = {
	default: async (event) => {
		const form = await superValidate(event.request, schema);
		if (!form.valid) return reject(form);
		const pending = pendingToken(event.cookies);
		if (!pending) redirect(303, '/sign-in?google=expired');
		const result = await attempt(form, () =>
			serverCaller(event).account.googleSignUp({ ...form.data, pending })
		);
		if (!result.ok) return result.failure;
		forgetPending(event);
		redirect(303, '/dashboard');
	}
};
