import { redirect } from '@sveltejs/kit';
import { TRPCError } from '@trpc/server';
import type { RequestHandler } from './$types';
import { serverCaller } from '$lib/server/trpc/router';

/**
 * Stripe's `return_url`: the practitioner left the hosted onboarding, finished or not. The account
 * is read again so that the page shows Stripe's answer at once, without waiting for the webhook.
 */
export const GET: RequestHandler = async (event) => {
	try {
		await serverCaller(event).payments.refresh();
	} catch (error) {
		// Disconnected meanwhile, or payments switched off: the page says which.
		if (!(error instanceof TRPCError)) throw error;
		redirect(303, '/settings/payments');
	}
	redirect(303, '/settings/payments?back');
};
