import { authedProcedure, router } from '../trpc/init';
import { statementSchema } from './statement-schemas';
import { clientStatement } from './statements';

export const statementsRouter = router({
	get: authedProcedure
		.input(statementSchema)
		.query(({ ctx, input }) => clientStatement(ctx.db, ctx.user, input))
});
