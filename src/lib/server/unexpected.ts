import { randomBytes } from 'node:crypto';
import { DrizzleQueryError } from 'drizzle-orm/errors';

/**
 * Errors on our side (a failed query, a bug) are told to the user only as a reference: their
 * message can hold SQL, bound values (a password hash just computed) and stack traces. The server
 * log gets the error under the same reference, so a report quoting it can be found, but never the
 * values bound to a failed query: they can be a sign-in's id, a password hash, a client's notes.
 */

/** The reference of each error already logged: tRPC's formatter and its onError see one error twice. */
const references = new WeakMap<object, string>();

/** A failed query as the log may keep it: its statement and why it failed, without its values. */
function withoutBoundValues(error: unknown): unknown {
	if (!(error instanceof DrizzleQueryError)) return error;
	// PostgreSQL's own error names the failure; its detail can quote a row ("Key (email)=(…)").
	const { cause } = error;
	const reason =
		cause instanceof Error
			? Object.assign(new Error(cause.message), {
					name: cause.name,
					code: (cause as { code?: unknown }).code
				})
			: undefined;
	const kept = new Error(`Failed query: ${error.query}`, { cause: reason });
	kept.name = 'DrizzleQueryError';
	// The original's stack starts with its message, which lists the values.
	const frames = (error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
	kept.stack = [`${kept.name}: ${kept.message}`, ...frames].join('\n');
	return kept;
}

/** Logs `error` once, under a new reference, and returns the reference. */
export function reportUnexpected(error: unknown, where: string): string {
	const key = typeof error === 'object' && error !== null ? error : undefined;
	const known = key && references.get(key);
	if (known) return known;
	const reference = randomBytes(4).toString('hex');
	if (key) references.set(key, reference);
	console.error(`[ref ${reference}] ${where} failed:`, withoutBoundValues(error));
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
