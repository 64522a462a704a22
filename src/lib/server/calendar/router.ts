import { hit, limits } from '../auth/rate-limit';
import { publishToUser } from '../realtime/publish';
import { authedProcedure, publicProcedure, router } from '../trpc/init';
import * as feeds from './feed-service';
import * as imports from './import-service';
import { feedNamesSchema, feedToken, importEventsSchema, previewImportSchema } from './schemas';

export const calendarRouter = router({
	feedSettings: authedProcedure.query(({ ctx }) => feeds.feedSettings(ctx.db, ctx.user.id)),

	/** Creates the feed, or gives it a new address that replaces the old one at once. */
	issueFeed: authedProcedure.mutation(async ({ ctx }) => {
		const token = await feeds.issueFeedToken(ctx.db, ctx.user.id);
		return { url: feeds.feedUrl(ctx.origin, token) };
	}),

	setFeedNames: authedProcedure
		.input(feedNamesSchema)
		.mutation(({ ctx, input }) => feeds.setFeedNames(ctx.db, ctx.user.id, input.showFullNames)),

	/** The feed itself: the unguessable token in its address is the only credential. */
	feed: publicProcedure
		.input(feedToken)
		.query(({ ctx, input }) => feeds.renderFeed(ctx.db, input.token)),

	previewImport: authedProcedure.input(previewImportSchema).query(async ({ ctx, input }) => {
		await hit(ctx.db, limits.calendarReadPerUser, ctx.user.id);
		return imports.previewImport(ctx.db, ctx.user, input.ics);
	}),

	importEvents: authedProcedure.input(importEventsSchema).mutation(async ({ ctx, input }) => {
		await hit(ctx.db, limits.calendarReadPerUser, ctx.user.id);
		const result = await imports.importEvents(ctx.db, ctx.user, input);
		if (result.ids.length > 0) {
			publishToUser(ctx.user.id, 'practice:changed', { entity: 'session', ids: result.ids });
		}
		return result;
	})
});
