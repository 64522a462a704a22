import { z } from 'zod';
import type { Db } from '../db';
import { publishSpotsLeft, publishToUser } from '../realtime/publish';
import { authedProcedure, publicProcedure, router } from '../trpc/init';
import { listSubscribersSchema, publicSignupSchema, signedToken, subscriberId } from './schemas';
import * as service from './service';

/** After a change to who holds a place: the owner's pages refetch, the public count follows. */
async function announce(db: Db, ownerId: string, seriesId: string) {
	publishToUser(ownerId, 'practice:changed', { entity: 'subscriber', ids: [seriesId] });
	publishSpotsLeft(seriesId, await service.spotsLeft(db, seriesId));
}

export const subscribersRouter = router({
	publicSeries: publicProcedure
		.input(z.object({ slug: z.string().trim().max(60) }))
		.query(({ ctx, input }) => service.publicSeries(ctx.db, input.slug)),

	signUp: publicProcedure
		.input(z.object({ slug: z.string().trim().max(60), fields: publicSignupSchema }))
		.mutation(async ({ ctx, input }) => {
			const result = await service.signUp(ctx.db, input.slug, input.fields, ctx.client, ctx.origin);
			// A pending signup shows on the practitioner's list at once.
			if (result.subscriberId) {
				publishToUser(result.ownerId, 'practice:changed', {
					entity: 'subscriber',
					ids: [result.seriesId]
				});
			}
			return { email: input.fields.email };
		}),

	confirm: publicProcedure.input(signedToken).mutation(async ({ ctx, input }) => {
		const result = await service.confirm(ctx.db, input.token, ctx.origin);
		if (result.changed) await announce(ctx.db, result.series.ownerId, result.series.id);
		return {
			status: result.subscriber.status,
			seriesTitle: result.series.title,
			slug: result.series.slug
		};
	}),

	manage: publicProcedure
		.input(signedToken)
		.query(({ ctx, input }) => service.manageView(ctx.db, input.token)),

	leave: publicProcedure.input(signedToken).mutation(async ({ ctx, input }) => {
		const result = await service.leaveByLink(ctx.db, input.token, ctx.origin);
		await announce(ctx.db, result.ownerId, result.seriesId);
	}),

	unsubscribe: publicProcedure.input(signedToken).mutation(async ({ ctx, input }) => {
		const row = await service.unsubscribeByLink(ctx.db, input.token);
		publishToUser(row.ownerId, 'practice:changed', { entity: 'subscriber', ids: [row.seriesId] });
	}),

	list: authedProcedure
		.input(listSubscribersSchema)
		.query(({ ctx, input }) =>
			service.listSubscribers(ctx.db, ctx.user.id, input.seriesId, input.q)
		),

	remove: authedProcedure.input(subscriberId).mutation(async ({ ctx, input }) => {
		const result = await service.removeSubscriber(ctx.db, ctx.user.id, input.id, ctx.origin);
		await announce(ctx.db, result.ownerId, result.seriesId);
	})
});
