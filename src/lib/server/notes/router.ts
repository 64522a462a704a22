import { publishToUser } from '../realtime/publish';
import { authedProcedure, router } from '../trpc/init';
import { addendumSchema, saveNoteSchema, signNoteSchema } from './schemas';
import * as service from './service';

const changed = (userId: string, sessionId: string) =>
	publishToUser(userId, 'practice:changed', { entity: 'note', ids: [sessionId] });

export const notesRouter = router({
	save: authedProcedure.input(saveNoteSchema).mutation(async ({ ctx, input }) => {
		const saved = await service.saveNote(ctx.db, ctx.user.id, input);
		changed(ctx.user.id, input.sessionId);
		return saved;
	}),

	sign: authedProcedure.input(signNoteSchema).mutation(async ({ ctx, input }) => {
		const signed = await service.signNote(ctx.db, ctx.user.id, input);
		changed(ctx.user.id, input.sessionId);
		return signed;
	}),

	addAddendum: authedProcedure.input(addendumSchema).mutation(async ({ ctx, input }) => {
		const addendum = await service.addAddendum(ctx.db, ctx.user.id, input);
		changed(ctx.user.id, input.sessionId);
		return addendum;
	})
});
