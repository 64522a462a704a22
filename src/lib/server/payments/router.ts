import { authedProcedure, router } from '../trpc/init';
import {
	announcePayments as announce,
	disconnectAccount,
	paymentsStatus,
	refreshAccount,
	startOnboarding
} from './accounts';

export const paymentsRouter = router({
	status: authedProcedure.query(({ ctx }) => paymentsStatus(ctx.db, ctx.user.id)),

	/** Where to send the practitioner to create or finish their Stripe account. */
	connect: authedProcedure.mutation(async ({ ctx }) => {
		const link = await startOnboarding(ctx.db, ctx.user, ctx.origin);
		announce(ctx.user.id);
		return link;
	}),

	refresh: authedProcedure.mutation(async ({ ctx }) => {
		await refreshAccount(ctx.db, ctx.user.id);
		announce(ctx.user.id);
		return paymentsStatus(ctx.db, ctx.user.id);
	}),

	disconnect: authedProcedure.mutation(async ({ ctx }) => {
		const disconnected = await disconnectAccount(ctx.db, ctx.user.id);
		if (disconnected) announce(ctx.user.id);
		return { disconnected };
	})
});
