import { TRPCError } from '@trpc/server';

/** What another practitioner's id looks like from here: not there at all. */
export function notFound(what: string): TRPCError {
	return new TRPCError({ code: 'NOT_FOUND', message: `That ${what} does not exist.` });
}
