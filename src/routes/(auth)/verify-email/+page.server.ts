import { redirect } from '@sveltejs/kit';
import { superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import type { Actions, PageServerLoad } from './$types';
import { verifyEmailSchema } from '$lib/server/account/schemas';
import { attempt, reject } from '$lib/server/forms';
import { serverCaller } from '$lib/server/trpc/router';

const schema = zod4(verifyEmailSchema);

/**
 * Opening the link only shows a button: mail scanners fetch links in emails, and a GET that used up
 * the token would confirm the address (and sign in) for whoever scanned it.
 */
export const load: PageServerLoad = async ({ url }) => {
	const token = url.searchParams.get('token') ?? '';
	return { form: await superValidate({ token }, schema, { errors: false }) };
};

export const actions: Actions = {
	default: async (event) => {
		const form = await superValidate(event.request, schema);
		if (!form.valid) return reject(form);
		const result = await attempt(form, () => serverCaller(event).account.verifyEmail(form.data));
		if (!result.ok) return result.failure;
		redirect(303, '/dashboard?verified=1');
	}
};
