import { randomBytes } from 'node:crypto';

/**
 * Errors on our side (a failed query, a bug) are told to the user only as a reference: their
 * message can hold SQL, bound values (a password hash just computed) and stack traces. The server
 * log gets the whole error under the same reference, so a report quoting it can be found.
 */

/** The reference of each error already logged: tRPC's formatter and its onError see one error twice. */
const references = new WeakMap<object, string>();

/** Logs `error` once, under a new reference, and returns the reference. */
export function reportUnexpected(error: unknown, where: string): string {
	const key = typeof error === 'object' && error !== null ? error : undefined;
	const known = key && references.get(key);
	if (known) return known;
	const reference = randomBytes(4).toString('hex');
	if (key) references.set(key, reference);
	console.error(`[ref ${reference}] ${where} failed:`, error);
	return reference;
}

/** What the user reads instead of the error. */
export function unexpectedMessage(reference: string): string {
	return `Something went wrong (ref ${reference})`;
}

/**
 * A stand-in for an error already reported, carrying only the user's message, to throw on where
 * code that shows refusals (TRPCError messages) to the user must not take it for one.
 */
export function reportedStandIn(error: unknown, where: string): Error {
	const reference = reportUnexpected(error, where);
	const standIn = new Error(unexpectedMessage(reference));
	references.set(standIn, reference);
	return standIn;
}
