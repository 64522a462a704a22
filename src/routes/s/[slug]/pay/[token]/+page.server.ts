import { fail, redirect } from '@sveltejs/kit';
import { TRPCError } from '@trpc/server';
import type { Actions, PageServerLoad } from './$types';
import { serverCaller } from '$lib/server/trpc/router';

/** Opening the link shows a button: mail scanners open links, and must not open a Checkout. */
export const load: PageServerLoad = async (event) => ({
	offer: await serverCaller(event).subscribers.offer({ token: event.params.token })
});

export const actions: Actions = {
	default: async (event) => {
		let checkoutUrl: string;
		try {
			({ checkoutUrl } = await serverCaller(event).subscribers.payOffer({
				token: event.params.token
			}));
		} catch (error) {
			if (error instanceof TRPCError) return fail(400, { problem: error.message });
			throw error;
		}
		redirect(303, checkoutUrl);
	}
};
