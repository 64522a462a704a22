import { z } from 'zod';
import { publicProcedure, router } from '../../trpc/init';
import { joinLinkOf } from './meetings';

export const meetingsRouter = router({
	/** The stable join link of emails and the self-service page: no sign-in, only the id. */
	joinLink: publicProcedure
		.input(z.object({ id: z.uuid() }))
		.query(({ ctx, input }) => joinLinkOf(ctx.db, input.id))
});
