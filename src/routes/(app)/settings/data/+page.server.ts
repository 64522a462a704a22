import { redirect } from '@sveltejs/kit';
import { superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import type { Actions, PageServerLoad } from './$types';
import { deleteAccountSchema } from '$lib/server/account-data/schemas';
import { attempt, reject } from '$lib/server/forms';
import { serverCaller } from '$lib/server/trpc/router';

const schema = zod4(deleteAccountSchema);

export const load: PageServerLoad = async (event) => {
	const caller = serverCaller(event);
	const [series, google] = await Promise.all([caller.series.list(), caller.account.google()]);
	const published = series.filter((s) => s.status === 'published');
	return {
		deleteForm: await superValidate(schema),
		// An account made with Google confirms with a password it must add first.
		hasPassword: google.hasPassword,
		// Who is emailed that their series ended when the account goes.
		publishedSeries: published.length,
		subscribersToTell: published.reduce((sum, s) => sum + s.taken + s.waitlisted, 0)
	};
};

export const actions: Actions = {
	deleteAccount: async (event) => {
		const form = await superValidate(event.request, schema);
		if (!form.valid) return reject(form);
		const result = await attempt(form, () =>
			serverCaller(event).accountData.deleteAccount(form.data)
		);
		if (!result.ok) return result.failure;
		redirect(303, '/account-deleted');
	}
};
