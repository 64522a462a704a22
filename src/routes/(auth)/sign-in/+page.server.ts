import { redirect } from '@sveltejs/kit';
import { superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import type { Actions, PageServerLoad } from './$types';
import { signInSchema } from '$lib/server/account/schemas';
import { attempt, reject } from '$lib/server/forms';
import { safeRedirectTarget } from '$lib/server/redirects';
import { serverCaller } from '$lib/server/trpc/router';

const schema = zod4(signInSchema);

export const load: PageServerLoad = async ({ locals, url }) => {
	if (locals.user) redirect(303, safeRedirectTarget(url.searchParams.get('redirectTo')));
	return {
		form: await superValidate(schema),
		signedOutElsewhere: url.searchParams.get('reason') === 'signed-out'
	};
};

export const actions: Actions = {
	default: async (event) => {
		const form = await superValidate(event.request, schema);
		if (!form.valid) return reject(form);
		const result = await attempt(form, () => serverCaller(event).account.signIn(form.data));
		if (!result.ok) return result.failure;
		redirect(303, safeRedirectTarget(event.url.searchParams.get('redirectTo')));
	}
};
