import { publishToUser } from '../realtime/publish';
import { authedProcedure, router } from '../trpc/init';
import { importClientsSchema, importSessionsSchema, previewSchema } from './schemas';
import * as service from './service';

// Pages refetch on any change; an import's thousands of ids would tell them nothing more.
const changed = (userId: string, entity: 'client' | 'session') =>
	publishToUser(userId, 'practice:changed', { entity, ids: [] });

export const importsRouter = router({
	/** A mutation although it changes nothing: the file is too large for a query's address. */
	preview: authedProcedure
		.input(previewSchema)
		.mutation(({ input }) => service.previewImport(input.kind, input.file)),

	clients: authedProcedure.input(importClientsSchema).mutation(async ({ ctx, input }) => {
		const outcome = await service.importClients(ctx.db, ctx.user.id, input);
		if (outcome.imported) changed(ctx.user.id, 'client');
		return outcome;
	}),

	sessions: authedProcedure.input(importSessionsSchema).mutation(async ({ ctx, input }) => {
		const outcome = await service.importSessions(ctx.db, ctx.user, input);
		if (outcome.imported) changed(ctx.user.id, 'session');
		return outcome;
	})
});
