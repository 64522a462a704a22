/** The SQLSTATE of a PostgreSQL error, also when drizzle has wrapped it. */
export function pgErrorCode(error: unknown): string | undefined {
	for (let current = error; current && typeof current === 'object';) {
		const { code, cause } = current as { code?: unknown; cause?: unknown };
		if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
		current = cause;
	}
	return undefined;
}

export const EXCLUSION_VIOLATION = '23P01';
export const CHECK_VIOLATION = '23514';
export const UNIQUE_VIOLATION = '23505';
