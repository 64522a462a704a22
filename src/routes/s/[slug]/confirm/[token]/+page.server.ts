import { fail, redirect } from '@sveltejs/kit';
import { TRPCError } from '@trpc/server';
import type { Actions, PageServerLoad } from './$types';
import { serverCaller } from '$lib/server/trpc/router';

/** Opening the link shows a button: mail scanners open links, and must not confirm for a person. */
export const load: PageServerLoad = async (event) => ({
	series: await serverCaller(event).subscribers.publicSeries({ slug: event.params.slug })
});

export const actions: Actions = {
	default: async (event) => {
		let result;
		try {
			result = await serverCaller(event).subscribers.confirm({ token: event.params.token });
		} catch (error) {
			if (error instanceof TRPCError) return fail(400, { problem: error.message });
			throw error;
		}
		// A paid series: their place is kept, and Stripe Checkout is where they pay for it.
		if (result.checkoutUrl) redirect(303, result.checkoutUrl);
		return { status: result.status };
	}
};
