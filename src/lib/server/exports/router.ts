import { z } from 'zod';
import { authedProcedure, router } from '../trpc/init';
import * as service from './service';

/**
 * CSV records, the header first, streamed from a database cursor: the download routes write them
 * as they come. Over HTTP they need tRPC's streaming link; the app reads them through the server
 * caller.
 */
export const exportsRouter = router({
	clients: authedProcedure.query(({ ctx }) => service.exportClients(ctx.db, ctx.user.id)),

	sessions: authedProcedure.query(({ ctx }) => service.exportSessions(ctx.db, ctx.user.id)),

	subscribers: authedProcedure
		.input(z.object({ seriesId: z.uuid() }))
		.query(({ ctx, input }) => service.exportSubscribers(ctx.db, ctx.user.id, input.seriesId))
});
