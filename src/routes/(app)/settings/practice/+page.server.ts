import { superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import type { Actions, PageServerLoad } from './$types';
import { attempt, reject } from '$lib/server/forms';
import { practiceDetailsSchema } from '$lib/server/practice/schemas';
import { serverCaller } from '$lib/server/trpc/router';

const details = zod4(practiceDetailsSchema);

export const load: PageServerLoad = async (event) => ({
	form: await superValidate(await serverCaller(event).practice.details(), details)
});

export const actions: Actions = {
	default: async (event) => {
		const form = await superValidate(event.request, details);
		if (!form.valid) return reject(form);
		const result = await attempt(form, () => serverCaller(event).practice.saveDetails(form.data));
		if (!result.ok) return result.failure;
		form.data = result.value;
		form.message = { kind: 'success', text: 'Saved.' };
		return { form };
	}
};
