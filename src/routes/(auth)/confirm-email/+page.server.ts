import type { Actions, PageServerLoad } from './$types';
import { emailLinkForm, postedEmailLink } from '$lib/server/account/email-link-form';
import { attempt, reject } from '$lib/server/forms';
import { serverCaller } from '$lib/server/trpc/router';

export const load: PageServerLoad = ({ url }) => emailLinkForm(url);

export const actions: Actions = {
	default: async (event) => {
		const form = await postedEmailLink(event.request);
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
