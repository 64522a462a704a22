import { fail, redirect } from '@sveltejs/kit';
import { TRPCError } from '@trpc/server';
import type { Actions, PageServerLoad } from './$types';
import type { PaymentColumns } from '$lib/payment-standing';
import { confirmed, formFields } from '$lib/server/forms';
import { serverCaller } from '$lib/server/trpc/router';

export const load: PageServerLoad = async (event) => {
	const caller = serverCaller(event);
	const token = event.params.token;
	const view = await caller.subscribers.manage({ token }).catch((error: unknown) => {
		if (error instanceof TRPCError && error.code === 'BAD_REQUEST') return null;
		throw error;
	});
	return { view, subscription: view ? await caller.subscribers.mySubscription({ token }) : null };
};

/** Runs a choice; a subscription's new state, as Stripe answered, is shown at once. */
async function run<D extends string>(call: () => Promise<PaymentColumns | void>, done: D) {
	try {
		return { done, payment: (await call()) ?? null };
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
	},
	/** Stripe's own page for the card and the invoices, another site (see `leaveForOtherSite`). */
	portal: async (event) => {
		let url: string;
		try {
			({ url } = await serverCaller(event).subscribers.paymentPortal({
				token: event.params.token
			}));
		} catch (error) {
			if (error instanceof TRPCError) return fail(400, { problem: error.message });
			throw error;
		}
		redirect(303, url);
	},
	endSubscription: async (event) => {
		if (!confirmed(await formFields(event.request))) {
			return { confirm: 'endSubscription' as const };
		}
		return run(
			() =>
				serverCaller(event).subscribers.setMySubscriptionEnd({
					token: event.params.token,
					end: true
				}),
			'ending'
		);
	},
	keepSubscription: (event) =>
		run(
			() =>
				serverCaller(event).subscribers.setMySubscriptionEnd({
					token: event.params.token,
					end: false
				}),
			'kept'
		)
};
