import { z } from 'zod';
import { authedProcedure, publicProcedure, router } from '../../trpc/init';
import { joinLinkOf, zoomConnected } from './meetings';

export const meetingsRouter = router({
	/** The stable join link of emails and the self-service page: no sign-in, only the id. */
	joinLink: publicProcedure
		.input(z.object({ id: z.uuid() }))
		.query(({ ctx, input }) => joinLinkOf(ctx.db, input.id)),

	/** Whether a Zoom session or series made now gets its meetings made automatically. */
	automatic: authedProcedure.query(({ ctx }) => zoomConnected(ctx.db, ctx.user.id))
});
