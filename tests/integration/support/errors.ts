import { TRPCError } from '@trpc/server';

/** The TRPCError a procedure call rejects with; anything else (or success) fails the test. */
export async function failure(promise: Promise<unknown>): Promise<TRPCError> {
	const error = await promise.then(
		() => undefined,
		(e: unknown) => e
	);
	if (!(error instanceof TRPCError)) throw new Error(`Expected a TRPCError, got ${String(error)}`);
	return error;
}
