import { z } from 'zod';
import { publishToUser } from '../realtime/publish';
import { authedProcedure, router } from '../trpc/init';
import { clientFields, clientId, listClientsSchema, updateClientSchema } from './schemas';
import * as service from './service';

const changed = (userId: string, ids: string[]) =>
	publishToUser(userId, 'practice:changed', { entity: 'client', ids });

export const clientsRouter = router({
	list: authedProcedure
		.input(listClientsSchema)
		.query(({ ctx, input }) => service.listClients(ctx.db, ctx.user.id, input)),

	tags: authedProcedure.query(({ ctx }) => service.clientTags(ctx.db, ctx.user.id)),

	choices: authedProcedure.query(({ ctx }) => service.clientChoices(ctx.db, ctx.user.id)),

	get: authedProcedure
		.input(clientId)
		.query(({ ctx, input }) => service.getClient(ctx.db, ctx.user.id, input.id)),

	create: authedProcedure.input(clientFields).mutation(async ({ ctx, input }) => {
		const created = await service.createClient(ctx.db, ctx.user.id, input);
		changed(ctx.user.id, [created.id]);
		return created;
	}),

	update: authedProcedure.input(updateClientSchema).mutation(async ({ ctx, input }) => {
		const { id, ...fields } = input;
		const updated = await service.updateClient(ctx.db, ctx.user.id, id, fields);
		changed(ctx.user.id, [id]);
		return updated;
	}),

	setArchived: authedProcedure
		.input(z.object({ id: z.uuid(), archived: z.boolean() }))
		.mutation(async ({ ctx, input }) => {
			const updated = await service.setClientArchived(
				ctx.db,
				ctx.user.id,
				input.id,
				input.archived
			);
			changed(ctx.user.id, [input.id]);
			return updated;
		}),

	delete: authedProcedure.input(clientId).mutation(async ({ ctx, input }) => {
		const deleted = await service.deleteClient(ctx.db, ctx.user.id, input.id);
		changed(ctx.user.id, [input.id]);
		return deleted;
	})
});
