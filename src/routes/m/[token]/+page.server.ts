import { fail } from '@sveltejs/kit';
import { TRPCError } from '@trpc/server';
import type { Actions, PageServerLoad } from './$types';
import { confirmed, formFields } from '$lib/server/forms';
import { serverCaller } from '$lib/server/trpc/router';

export const load: PageServerLoad = async (event) => ({
	view: await serverCaller(event)
		.subscribers.manage({ token: event.params.token })
		.catch((error: unknown) => {
			if (error instanceof TRPCError && error.code === 'BAD_REQUEST') return null;
			throw error;
		})
});

async function run(call: () => Promise<unknown>, done: string) {
	try {
		await call();
		return { done };
	} catch (error) {
		if (error instanceof TRPCError) return fail(400, { problem: error.message });
		throw error;
	}
}

export const actions: Actions = {
	unsubscribe: (event) =>
		run(
			() => serverCaller(event).subscribers.unsubscribe({ token: event.params.token }),
			'unsubscribed'
		),
	leave: async (event) => {
		if (!confirmed(await formFields(event.request))) {
			return { confirm: 'leave' as const };
		}
		return run(() => serverCaller(event).subscribers.leave({ token: event.params.token }), 'left');
	}
};
