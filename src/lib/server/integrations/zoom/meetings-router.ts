import { z } from 'zod';
import { publicProcedure, router } from '../../trpc/init';
import { joinLinkOf } from './meetings';

export const meetingsRouter = router({
	/**
	 * The stable join link: the practitioner's own (signed in), or a subscriber's, signed for them
	 * and the date (`key`).
	 */
	joinLink: publicProcedure
		.input(z.object({ id: z.uuid(), key: z.string().max(200).nullable() }))
		.query(({ ctx, input }) =>
			joinLinkOf(ctx.db, input.id, { userId: ctx.user?.id ?? null, key: input.key })
		)
});
