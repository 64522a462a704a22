import { publishToUser } from '../realtime/publish';
import { authedProcedure, router } from '../trpc/init';
import { forgetAccount, paymentsStatus, refreshAccount, startOnboarding } from './accounts';

/** Other tabs of the practitioner show the account's new state. */
const announce = (userId: string) =>
	publishToUser(userId, 'practice:changed', { entity: 'payments', ids: [] });

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
		const forgotten = await forgetAccount(ctx.db, { userId: ctx.user.id });
		if (forgotten) announce(ctx.user.id);
		return { disconnected: forgotten !== null };
	})
});
