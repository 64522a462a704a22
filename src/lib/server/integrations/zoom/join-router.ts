import { z } from 'zod';
import { publicProcedure, router } from '../../trpc/init';
import { joinLinkOf } from './meetings';

/** The stable join link of emails and the self-service page: no sign-in, only the id. */
export const joinRouter = router({
	link: publicProcedure
		.input(z.object({ id: z.uuid() }))
		.query(({ ctx, input }) => joinLinkOf(ctx.db, input.id))
});
