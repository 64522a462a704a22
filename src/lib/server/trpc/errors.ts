import { ZodError } from 'zod';

/** A problem with one field found after validation (a wrong current password): shown beside it. */
export function fieldError(field: string, message: string): ZodError {
	return new ZodError([{ code: 'custom', path: [field], message, input: undefined }]);
}
