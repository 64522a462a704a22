import { authedProcedure, router } from '../../trpc/init';
import { zoomMissing } from './client';
import {
	announceZoom,
	disconnectZoom,
	zoomAccountShown,
	zoomConnectionSummary,
	zoomHealth
} from './connection';

export const zoomRouter = router({
	/** What Settings → Integrations shows: whether Zoom is set up here, and the connection. */
	status: authedProcedure.query(async ({ ctx }) => ({
		missing: zoomMissing(),
		connection: await zoomConnectionSummary(ctx.db, ctx.user.id)
	})),

	/** Whose Zoom account is connected, asked of Zoom now; null when Zoom cannot tell. */
	account: authedProcedure.query(({ ctx }) => zoomAccountShown(ctx.db, ctx.user.id)),

	health: authedProcedure.query(({ ctx }) => zoomHealth(ctx.db, ctx.user.id)),

	disconnect: authedProcedure.mutation(async ({ ctx }) => {
		const result = await disconnectZoom(ctx.db, ctx.user.id, ctx.client);
		if (result.disconnected) announceZoom(ctx.user.id);
		return result;
	})
});
