import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { PRACTICE } from '$lib/dependencies';
import { attemptButton, confirmed, formFields } from '$lib/server/forms';
import { serverCaller } from '$lib/server/trpc/router';

export const load: PageServerLoad = async (event) => {
	event.depends(PRACTICE);
	return {
		status: await serverCaller(event).payments.status(),
		// Set by the return route, after Stripe's onboarding sent the practitioner back.
		backFromStripe: event.url.searchParams.has('back')
	};
};

export const actions = {
	/** Off to Stripe's hosted onboarding, another site (see `leaveForOtherSite`). */
	connect: async (event) => {
		let url = '';
		const refused = await attemptButton(async () => {
			({ url } = await serverCaller(event).payments.connect());
		});
		if (refused) return refused;
		redirect(303, url);
	},
	refresh: async (event) =>
		(await attemptButton(() => serverCaller(event).payments.refresh())) ?? { checked: true },
	disconnect: async (event) => {
		if (!confirmed(await formFields(event.request))) {
			return { confirm: { action: 'disconnect' as const } };
		}
		return (
			(await attemptButton(() => serverCaller(event).payments.disconnect())) ?? {
				disconnected: true
			}
		);
	}
} satisfies Actions;
