import { publishToUser } from '../realtime/publish';
import { authedProcedure, router } from '../trpc/init';
import {
	agendaSchema,
	createSessionSchema,
	markPaidSchema,
	sessionId,
	setPaymentSchema,
	setStatusSchema,
	unpaidSchema,
	updateSessionSchema
} from './schemas';
import * as service from './service';

const changed = (userId: string, ids: string[]) =>
	publishToUser(userId, 'practice:changed', { entity: 'session', ids });

export const sessionsRouter = router({
	agenda: authedProcedure
		.input(agendaSchema)
		.query(({ ctx, input }) => service.agenda(ctx.db, ctx.user.id, ctx.user.timeZone, input)),

	get: authedProcedure
		.input(sessionId)
		.query(({ ctx, input }) => service.getSession(ctx.db, ctx.user.id, input.id)),

	create: authedProcedure.input(createSessionSchema).mutation(async ({ ctx, input }) => {
		const ids = await service.createSessions(ctx.db, ctx.user.id, input);
		changed(ctx.user.id, ids);
		return { ids };
	}),

	update: authedProcedure.input(updateSessionSchema).mutation(async ({ ctx, input }) => {
		const updated = await service.updateSession(ctx.db, ctx.user.id, input);
		changed(ctx.user.id, [updated.id]);
		return updated;
	}),

	setStatus: authedProcedure.input(setStatusSchema).mutation(async ({ ctx, input }) => {
		const ids = await service.setSessionStatus(ctx.db, ctx.user.id, input);
		changed(ctx.user.id, ids);
		return { ids };
	}),

	setPayment: authedProcedure.input(setPaymentSchema).mutation(async ({ ctx, input }) => {
		const updated = await service.setSessionPayment(ctx.db, ctx.user.id, input);
		changed(ctx.user.id, [updated.id]);
		return updated;
	}),

	unpaid: authedProcedure
		.input(unpaidSchema)
		.query(({ ctx, input }) => service.unpaidSessions(ctx.db, ctx.user.id, input)),

	markPaid: authedProcedure.input(markPaidSchema).mutation(async ({ ctx, input }) => {
		const ids = await service.markSessionsPaid(ctx.db, ctx.user.id, input);
		if (ids.length) changed(ctx.user.id, ids);
		return { ids };
	}),

	start: authedProcedure.input(sessionId).mutation(async ({ ctx, input }) => {
		const started = await service.startSession(ctx.db, ctx.user.id, input.id);
		changed(ctx.user.id, [input.id]);
		return started;
	}),

	finish: authedProcedure.input(sessionId).mutation(async ({ ctx, input }) => {
		const finished = await service.finishSession(ctx.db, ctx.user.id, input.id);
		changed(ctx.user.id, [input.id]);
		return finished;
	}),

	delete: authedProcedure.input(sessionId).mutation(async ({ ctx, input }) => {
		const deleted = await service.deleteSession(ctx.db, ctx.user.id, input.id);
		changed(ctx.user.id, [input.id]);
		return deleted;
	})
});
