import { initTRPC, TRPCError } from '@trpc/server';
import { wireFormat } from '../../wire-format';
import { z, ZodError } from 'zod';
import { retryAfterSeconds } from '../auth/rate-limit';
import { reportUnexpected, unexpectedMessage } from '../unexpected';
import type { Context } from './context';

const t = initTRPC.context<Context>().create({
	transformer: wireFormat,
	errorFormatter({ shape, error, path }) {
		// A failure's message and stack (SQL, bound values) stay in the server log, in development
		// too; a refusal's stack reaches the browser in development only (tRPC's isDev).
		const unexpected = error.code === 'INTERNAL_SERVER_ERROR';
		const { stack, ...data } = shape.data;
		return {
			...shape,
			message: unexpected
				? unexpectedMessage(reportUnexpected(error, `tRPC ${path ?? '?'}`))
				: shape.message,
			data: {
				...data,
				...(unexpected ? {} : { stack }),
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

/**
 * The cause of the refusal of a signed-out caller, told apart from wrong credentials (also
 * UNAUTHORIZED): a page sends the first to the sign-in page.
 */
export class SignInRequired extends Error {}

export const authedProcedure = t.procedure.use(({ ctx, next }) => {
	if (!ctx.user || !ctx.authSession) {
		throw new TRPCError({
			code: 'UNAUTHORIZED',
			message: 'Please sign in.',
			cause: new SignInRequired('Signed out')
		});
	}
	return next({ ctx: { ...ctx, user: ctx.user, authSession: ctx.authSession } });
});

export type AuthedContext = Context & {
	user: NonNullable<Context['user']>;
	authSession: NonNullable<Context['authSession']>;
};
