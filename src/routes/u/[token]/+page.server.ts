import { fail } from '@sveltejs/kit';
import { TRPCError } from '@trpc/server';
import type { Actions } from './$types';
import { serverCaller } from '$lib/server/trpc/router';

/**
 * GET shows a button; POST unsubscribes. Mail providers send the RFC 8058 one-click POST
 * (body `List-Unsubscribe=One-Click`) to this same address; hooks.server.ts lets it through.
 */
export const actions: Actions = {
	default: async (event) => {
		try {
			await serverCaller(event).subscribers.unsubscribe({ token: event.params.token });
			return { unsubscribed: true };
		} catch (error) {
			if (error instanceof TRPCError) return fail(400, { problem: error.message });
			throw error;
		}
	}
};
