import { initTRPC, TRPCError } from '@trpc/server';
import { wireFormat } from '../../wire-format';
import { z, ZodError } from 'zod';
import { retryAfterSeconds } from '../auth/rate-limit';
import type { Context } from './context';

const t = initTRPC.context<Context>().create({
	transformer: wireFormat,
	errorFormatter({ shape, error }) {
		return {
			...shape,
			data: {
				...shape.data,
				fieldErrors:
					error.cause instanceof ZodError ? z.flattenError(error.cause).fieldErrors : null,
				retryAfterSeconds: retryAfterSeconds(error)
			}
		};
	}
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure;

export const authedProcedure = t.procedure.use(({ ctx, next }) => {
	if (!ctx.user || !ctx.authSession) {
		throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Please sign in.' });
	}
	return next({ ctx: { ...ctx, user: ctx.user, authSession: ctx.authSession } });
});

export type AuthedContext = Context & {
	user: NonNullable<Context['user']>;
	authSession: NonNullable<Context['authSession']>;
};
