import { TRPCError } from '@trpc/server';
import { hit, limits } from '../../auth/rate-limit';
import { authedProcedure, router } from '../../trpc/init';
import { zoomMissing } from './client';
import {
	announceZoom,
	disconnectZoom,
	zoomAccountShown,
	zoomConnectionSummary,
	zoomHealth
} from './connection';
import { resyncMeetings } from './meetings';

export const zoomRouter = router({
	/** What Settings → Integrations shows: whether Zoom is set up here, and the connection. */
	status: authedProcedure.query(async ({ ctx }) => ({
		missing: zoomMissing(),
		connection: await zoomConnectionSummary(ctx.db, ctx.user.id)
	})),

	/** Whose Zoom account is connected, asked of Zoom now; null when Zoom cannot tell. */
	account: authedProcedure.query(({ ctx }) => zoomAccountShown(ctx.db, ctx.user.id)),

	health: authedProcedure.query(({ ctx }) => zoomHealth(ctx.db, ctx.user.id)),

	/** "Try again": the caller's own failed (and stuck) meetings are queued again, no OAuth needed. */
	retryMeetings: authedProcedure.mutation(async ({ ctx }) => {
		const health = await zoomHealth(ctx.db, ctx.user.id);
		if (!health.connected || health.problem === 'refresh_refused' || health.unreadable) {
			throw new TRPCError({
				code: 'PRECONDITION_FAILED',
				message: 'Zoom needs to be reconnected first: Settings → Integrations.'
			});
		}
		await hit(ctx.db, limits.zoomRetryPerUser, ctx.user.id);
		await resyncMeetings(ctx.db, ctx.user.id);
		announceZoom(ctx.user.id);
		return { queued: true };
	}),

	disconnect: authedProcedure.mutation(async ({ ctx }) => {
		const result = await disconnectZoom(ctx.db, ctx.user.id, ctx.client);
		if (result.disconnected) announceZoom(ctx.user.id);
		return result;
	})
});
