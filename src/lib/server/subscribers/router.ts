import { z } from 'zod';
import type { Db } from '../db';
import { offerView, payOffer } from '../payments/checkout';
import * as payments from '../payments/subscriptions';
import { publishSpotsLeft, publishToUser } from '../realtime/publish';
import { authedProcedure, publicProcedure, router } from '../trpc/init';
import {
	listSubscribersSchema,
	publicSignupSchema,
	seriesSlug,
	signedToken,
	subscriberId
} from './schemas';
import * as service from './service';

/** How long a change waits for others to the same series, so that a crowd is announced once. */
const ANNOUNCE_AFTER_MS = 100;
const announcing = new Set<string>();

/**
 * After a change to a series' subscribers: the owner's pages refetch, the public count follows.
 * Changes within ANNOUNCE_AFTER_MS of each other go out as one announcement, which counts them all
 * (the count is read after the wait, and a change committed during the read schedules another).
 */
function announce(db: Db, ownerId: string, seriesId: string) {
	if (announcing.has(seriesId)) return;
	announcing.add(seriesId);
	setTimeout(() => {
		announcing.delete(seriesId);
		publishToUser(ownerId, 'practice:changed', { entity: 'subscriber', ids: [seriesId] });
		service
			.spotsLeft(db, seriesId)
			.then((left) => publishSpotsLeft(seriesId, left))
			.catch((error: unknown) => console.error('Could not count the spots left', error));
	}, ANNOUNCE_AFTER_MS).unref();
}

export const subscribersRouter = router({
	publicSeries: publicProcedure
		.input(z.object({ slug: seriesSlug }))
		.query(({ ctx, input }) => service.publicSeries(ctx.db, input.slug)),

	signUp: publicProcedure
		.input(z.object({ slug: seriesSlug, fields: publicSignupSchema }))
		.mutation(async ({ ctx, input }) => {
			const result = await service.signUp(ctx.db, input.slug, input.fields, ctx.client, ctx.origin);
			// A pending signup shows on the practitioner's list at once.
			if (result.subscriberId) announce(ctx.db, result.ownerId, result.seriesId);
			return { email: input.fields.email };
		}),

	offer: publicProcedure
		.input(signedToken)
		.query(({ ctx, input }) => offerView(ctx.db, input.token)),

	payOffer: publicProcedure.input(signedToken).mutation(async ({ ctx, input }) => ({
		checkoutUrl: await payOffer(ctx.db, input.token, ctx.origin)
	})),

	confirm: publicProcedure.input(signedToken).mutation(async ({ ctx, input }) => {
		const result = await service.confirm(ctx.db, input.token, ctx.origin);
		if (result.changed) announce(ctx.db, result.series.ownerId, result.series.id);
		return {
			status: result.subscriber.status,
			seriesTitle: result.series.title,
			slug: result.series.slug,
			/** A paid series: the place is kept, and Stripe Checkout is where they pay for it. */
			checkoutUrl: result.checkoutUrl
		};
	}),

	manage: publicProcedure
		.input(signedToken)
		.query(({ ctx, input }) => service.manageView(ctx.db, input.token)),

	leave: publicProcedure.input(signedToken).mutation(async ({ ctx, input }) => {
		await payments.endBeforeLeaving(ctx.db, input.token);
		const result = await service.leaveByLink(ctx.db, input.token, ctx.origin);
		announce(ctx.db, result.ownerId, result.seriesId);
	}),

	mySubscription: publicProcedure
		.input(signedToken)
		.query(({ ctx, input }) => payments.subscriptionByLink(ctx.db, input.token)),

	/** Stripe's customer portal, coming back to the manage page. */
	paymentPortal: publicProcedure.input(signedToken).mutation(async ({ ctx, input }) => ({
		url: await payments.portalByLink(
			ctx.db,
			input.token,
			`${ctx.origin}/m/${encodeURIComponent(input.token)}`
		)
	})),

	/** The subscriber ends their subscription with the paid period (`end`), or keeps it. */
	setMySubscriptionEnd: publicProcedure
		.input(signedToken.extend({ end: z.boolean() }))
		.mutation(({ ctx, input }) => payments.setEndByLink(ctx.db, input.token, input.end)),

	unsubscribe: publicProcedure.input(signedToken).mutation(async ({ ctx, input }) => {
		const row = await service.unsubscribeByLink(ctx.db, input.token);
		announce(ctx.db, row.ownerId, row.seriesId);
	}),

	list: authedProcedure
		.input(listSubscribersSchema)
		.query(({ ctx, input }) =>
			service.listSubscribers(ctx.db, ctx.user.id, input.seriesId, input.q)
		),

	/** Ends a subscriber's subscription with the period they paid for. */
	cancelSubscription: authedProcedure
		.input(subscriberId)
		.mutation(({ ctx, input }) => payments.endForOwner(ctx.db, ctx.user.id, input.id)),

	remove: authedProcedure.input(subscriberId).mutation(async ({ ctx, input }) => {
		await payments.endBeforeRemoval(ctx.db, ctx.user.id, input.id);
		const result = await service.removeSubscriber(ctx.db, ctx.user.id, input.id, ctx.origin);
		announce(ctx.db, result.ownerId, result.seriesId);
	})
});
