import { ZodRealError, type ZodError } from 'zod';

/** A problem with one field found after validation (a wrong current password): shown beside it. */
export function fieldError(field: string, message: string): ZodError {
	// ZodRealError, not `new ZodError`: in Zod 4 only the former is an Error, and tRPC keeps a
	// TRPCError's cause as it is only when it is an Error; anything else is copied into a plain
	// object, which `cause instanceof ZodError` no longer recognises (so the message went to the
	// top of the form instead of beside the field).
	return new ZodRealError([{ code: 'custom', path: [field], message, input: undefined }]);
}
