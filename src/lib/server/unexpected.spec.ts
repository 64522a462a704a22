import { inspect } from 'node:util';
import { DrizzleQueryError } from 'drizzle-orm/errors';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { reportUnexpected } from './unexpected';

afterEach(() => vi.restoreAllMocks());

describe('an unexpected error in the log', () => {
	it('keeps a failed query’s statement and cause, never the values bound to it', () => {
		const logged: unknown[][] = [];
		vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => logged.push(args));
		const cause = Object.assign(new Error('duplicate key value violates unique constraint'), {
			code: '23505',
			detail: 'Key (email)=(ann@example.com) already exists.'
		});
		const error = new DrizzleQueryError(
			'select * from auth_sessions where id = $1',
			['the-sign-in-id', 'a password hash'],
			cause
		);

		const reference = reportUnexpected(error, 'GET /dashboard');

		expect(logged).toHaveLength(1);
		const [line, kept] = logged[0]!;
		expect(line).toBe(`[ref ${reference}] GET /dashboard failed:`);
		const written = inspect(kept, { depth: 5 });
		expect(written).toContain('select * from auth_sessions where id = $1');
		expect(written).toContain('duplicate key value violates unique constraint');
		expect(written).toContain('23505');
		expect(written).not.toContain('ann@example.com');
		expect(written).not.toContain('the-sign-in-id');
		expect(written).not.toContain('a password hash');
	});
});
