import { redirect } from '@sveltejs/kit';
import { superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import type { Actions, PageServerLoad } from './$types';
import { signUpSchema } from '$lib/server/account/schemas';
import { attempt, reject } from '$lib/server/forms';
import { serverCaller } from '$lib/server/trpc/router';

const schema = zod4(signUpSchema);

export const load: PageServerLoad = async ({ locals }) => {
	if (locals.user) redirect(303, '/dashboard');
	return { form: await superValidate(schema) };
};

export const actions: Actions = {
	default: async (event) => {
		const form = await superValidate(event.request, schema);
		if (!form.valid) return reject(form);
		const result = await attempt(form, () => serverCaller(event).account.signUp(form.data));
		if (!result.ok) return result.failure;
		form.message = {
			kind: 'success',
			text: `We sent a confirmation link to ${result.value.email}. Open it to finish signing up.`
		};
		form.data.password = '';
		return { form };
	}
};
