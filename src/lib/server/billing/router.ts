import { publishToUser } from '../realtime/publish';
import { authedProcedure, router } from '../trpc/init';
import { policyOf, savePolicy, setSessionCharge } from './charges';
import { clientSummarySchema, policySchema, setChargeSchema, summarySchema } from './schemas';
import { billingChart, clientSummary, practiceSummary } from './summary';

export const billingRouter = router({
	policy: authedProcedure.query(({ ctx }) => policyOf(ctx.db, ctx.user.id)),

	savePolicy: authedProcedure
		.input(policySchema)
		.mutation(({ ctx, input }) => savePolicy(ctx.db, ctx.user.id, input)),

	setCharge: authedProcedure.input(setChargeSchema).mutation(async ({ ctx, input }) => {
		const charged = await setSessionCharge(ctx.db, ctx.user.id, input);
		publishToUser(ctx.user.id, 'practice:changed', { entity: 'session', ids: [charged.id] });
		return charged;
	}),

	summary: authedProcedure
		.input(summarySchema)
		.query(({ ctx, input }) => practiceSummary(ctx.db, ctx.user.id, ctx.user.timeZone, input)),

	clientSummary: authedProcedure
		.input(clientSummarySchema)
		.query(({ ctx, input }) => clientSummary(ctx.db, ctx.user.id, ctx.user.timeZone, input)),

	chart: authedProcedure.query(({ ctx }) => billingChart(ctx.db, ctx.user.id, ctx.user.timeZone))
});
