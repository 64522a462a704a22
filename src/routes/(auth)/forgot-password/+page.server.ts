import { superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import type { Actions, PageServerLoad } from './$types';
import { requestResetSchema } from '$lib/server/account/schemas';
import { attempt, reject } from '$lib/server/forms';
import { serverCaller } from '$lib/server/trpc/router';

const schema = zod4(requestResetSchema);

export const load: PageServerLoad = async () => ({ form: await superValidate(schema) });

export const actions: Actions = {
	default: async (event) => {
		const form = await superValidate(event.request, schema);
		if (!form.valid) return reject(form);
		const result = await attempt(form, () =>
			serverCaller(event).account.requestPasswordReset(form.data)
		);
		if (!result.ok) return result.failure;
		// The same words whether or not the address has an account.
		form.message = {
			kind: 'success',
			text: `If ${form.data.email} belongs to an account, we have sent it a link to choose a new password. It works for one hour.`
		};
		return { form };
	}
};
