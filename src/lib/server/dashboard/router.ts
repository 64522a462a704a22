import { authedProcedure, router } from '../trpc/init';
import { dashboard } from './service';

export const dashboardRouter = router({
	summary: authedProcedure.query(({ ctx }) => dashboard(ctx.db, ctx.user.id, ctx.user.timeZone))
});
