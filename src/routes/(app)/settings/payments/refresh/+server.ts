import { redirect } from '@sveltejs/kit';
import { TRPCError } from '@trpc/server';
import type { RequestHandler } from './$types';
import { serverCaller } from '$lib/server/trpc/router';

/**
 * Stripe's `refresh_url`: the onboarding link expired or was used already. A new one continues
 * where the practitioner left off. Only a connected account continues: an address anyone can
 * link to must not create one.
 */
export const GET: RequestHandler = async (event) => {
	const caller = serverCaller(event);
	let url: string;
	try {
		if (!(await caller.payments.status()).account) redirect(303, '/settings/payments');
		({ url } = await caller.payments.connect());
	} catch (error) {
		if (!(error instanceof TRPCError)) throw error;
		redirect(303, '/settings/payments');
	}
	redirect(303, url);
};
