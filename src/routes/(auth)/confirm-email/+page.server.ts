import { superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import type { Actions, PageServerLoad } from './$types';
import { confirmEmailChangeSchema } from '$lib/server/account/schemas';
import { attempt, reject } from '$lib/server/forms';
import { serverCaller } from '$lib/server/trpc/router';

const schema = zod4(confirmEmailChangeSchema);

/** Opening the link only shows a button: mail scanners fetch links in emails (see verify-email). */
export const load: PageServerLoad = async ({ url }) => {
	const token = url.searchParams.get('token') ?? '';
	return { form: await superValidate({ token }, schema, { errors: false }) };
};

export const actions: Actions = {
	default: async (event) => {
		const form = await superValidate(event.request, schema);
		if (!form.valid) return reject(form);
		const result = await attempt(form, () =>
			serverCaller(event).account.confirmEmailChange(form.data)
		);
		if (!result.ok) return result.failure;
		form.message = {
			kind: 'success',
			text: `Done: your account now uses ${result.value.email}. Sign in with it from now on.`
		};
		form.data.token = '';
		return { form };
	}
};
