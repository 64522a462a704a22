import { publishToUser } from '../realtime/publish';
import { authedProcedure, router } from '../trpc/init';
import * as grid from './grid';
import { moveSchema, rangeSchema } from './grid-schemas';

/** The calendar page's time grid: what a span of days holds, and moving a session by dragging. */
export const calendarGridRouter = router({
	range: authedProcedure
		.input(rangeSchema)
		.query(({ ctx, input }) => grid.range(ctx.db, ctx.user.id, ctx.user.timeZone, input)),

	move: authedProcedure.input(moveSchema).mutation(async ({ ctx, input }) => {
		const moved = await grid.moveSession(ctx.db, ctx.user, input);
		publishToUser(ctx.user.id, 'practice:changed', { entity: 'session', ids: [moved.id] });
		return moved;
	})
});
