import { redirect } from '@sveltejs/kit';
import { superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import type { Actions, PageServerLoad } from './$types';
import { pendingSignIn } from '$lib/server/account/google';
import { signInFormSchema } from '$lib/server/account/schemas';
import { googleConfigured } from '$lib/server/auth/google';
import { forgetPending, pendingToken } from '$lib/server/auth/google-cookies';
import { getDb } from '$lib/server/db';
import { attempt, reject } from '$lib/server/forms';
import { safeRedirectTarget } from '$lib/server/redirects';
import { serverCaller } from '$lib/server/trpc/router';
import { googleNotice } from '$lib/google-notices';

const schema = zod4(signInFormSchema);

export const load: PageServerLoad = async ({ locals, url, cookies }) => {
	if (locals.user) redirect(303, safeRedirectTarget(url.searchParams.get('redirectTo')));
	const notice = url.searchParams.get('google');
	// Back from Google to an account of the same email: its password links Google to it.
	const pending = notice === 'link' ? await pendingSignIn(getDb(), pendingToken(cookies)) : null;
	return {
		form: await superValidate(pending ? { email: pending.email, linkGoogle: true } : {}, schema, {
			errors: false
		}),
		signedOutElsewhere: url.searchParams.get('reason') === 'signed-out',
		google: {
			configured: googleConfigured(),
			notice: notice === 'link' && !pending ? googleNotice('expired') : googleNotice(notice)
		}
	};
};

export const actions: Actions = {
	default: async (event) => {
		const form = await superValidate(event.request, schema);
		if (!form.valid) return reject(form);
		const { linkGoogle, ...credentials } = form.data;
		const googlePending = pendingToken(event.cookies);
		const result = await attempt(form, () =>
			serverCaller(event).account.signIn({
				...credentials,
				googlePending: linkGoogle ? googlePending : undefined
			})
		);
		if (!result.ok) return result.failure;
		// Used up by the sign-in, whether it linked Google or not.
		if (googlePending) forgetPending(event);
		redirect(
			303,
			result.value.googleLinked
				? '/settings?google=linked'
				: safeRedirectTarget(event.url.searchParams.get('redirectTo'))
		);
	}
};
