import { authedProcedure, router } from '../trpc/init';
import { practiceDetailsSchema } from './schemas';
import * as service from './service';

export const practiceRouter = router({
	details: authedProcedure.query(({ ctx }) => service.getPracticeDetails(ctx.db, ctx.user.id)),

	saveDetails: authedProcedure
		.input(practiceDetailsSchema)
		.mutation(({ ctx, input }) => service.savePracticeDetails(ctx.db, ctx.user.id, input))
});
