import { publishSpotsLeft, publishToUser } from '../realtime/publish';
import { spotsLeft } from '../subscribers/service';
import { authedProcedure, router, type AuthedContext } from '../trpc/init';
import {
	moveOccurrenceSchema,
	occurrenceIdSchema,
	seriesFields,
	seriesId,
	seriesStatusSchema,
	updateSeriesSchema
} from './schemas';
import * as service from './service';
import { notifyOccurrenceChange } from './notifications';

const changed = (userId: string, ids: string[]) =>
	publishToUser(userId, 'practice:changed', { entity: 'series', ids });

async function setOccurrenceStatus(
	ctx: AuthedContext,
	occurrenceId: string,
	status: 'scheduled' | 'cancelled'
) {
	const occurrence = await ctx.db.transaction(async (tx) => {
		const done = await service.setOccurrenceStatus(tx, ctx.user.id, occurrenceId, status);
		if (done) {
			const kind = status === 'cancelled' ? 'cancelled' : 'restored';
			await notifyOccurrenceChange(tx, ctx.origin, { kind, occurrence: done });
		}
		return done;
	});
	if (occurrence) changed(ctx.user.id, [occurrence.seriesId]);
	return { id: occurrenceId, changed: occurrence !== null };
}

export const seriesRouter = router({
	list: authedProcedure.query(({ ctx }) => service.listSeries(ctx.db, ctx.user.id)),

	/** Why paid series cannot be published now (null when they can): shown beside the price. */
	paymentsBlocked: authedProcedure.query(({ ctx }) =>
		service.publishingBlocked(ctx.db, ctx.user.id)
	),

	get: authedProcedure
		.input(seriesId)
		.query(({ ctx, input }) => service.getSeries(ctx.db, ctx.user.id, input.id)),

	create: authedProcedure.input(seriesFields).mutation(async ({ ctx, input }) => {
		const created = await service.createSeries(ctx.db, ctx.user.id, input);
		changed(ctx.user.id, [created.id]);
		return created;
	}),

	update: authedProcedure.input(updateSeriesSchema).mutation(async ({ ctx, input }) => {
		const updated = await service.updateSeries(ctx.db, ctx.user.id, input.id, input.fields);
		changed(ctx.user.id, [input.id]);
		publishSpotsLeft(input.id, await spotsLeft(ctx.db, input.id));
		return updated;
	}),

	setStatus: authedProcedure.input(seriesStatusSchema).mutation(async ({ ctx, input }) => {
		const updated = await service.setSeriesStatus(ctx.db, ctx.user.id, input.id, input.status);
		changed(ctx.user.id, [input.id]);
		return updated;
	}),

	delete: authedProcedure.input(seriesId).mutation(async ({ ctx, input }) => {
		const deleted = await service.deleteSeries(ctx.db, ctx.user.id, input.id);
		changed(ctx.user.id, [input.id]);
		return deleted;
	}),

	cancelOccurrence: authedProcedure
		.input(occurrenceIdSchema)
		.mutation(({ ctx, input }) => setOccurrenceStatus(ctx, input.occurrenceId, 'cancelled')),

	/** Puts a cancelled date back on, and tells subscribers. */
	restoreOccurrence: authedProcedure
		.input(occurrenceIdSchema)
		.mutation(({ ctx, input }) => setOccurrenceStatus(ctx, input.occurrenceId, 'scheduled')),

	moveOccurrence: authedProcedure.input(moveOccurrenceSchema).mutation(async ({ ctx, input }) => {
		const moved = await ctx.db.transaction(async (tx) => {
			const result = await service.moveOccurrence(tx, ctx.user.id, input);
			await notifyOccurrenceChange(tx, ctx.origin, {
				kind: 'moved',
				occurrence: result.after,
				previousStartsAt: result.before.startsAt
			});
			return result.after;
		});
		changed(ctx.user.id, [moved.seriesId]);
		return { id: moved.id, startsAt: moved.startsAt };
	})
});
