import { beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { passwordWeakness } from '../auth/password';
import {
	addPasswordSchema,
	changePasswordSchema,
	resetPasswordSchema,
	signUpSchema
} from './schemas';

/** The longest password the schemas take, filled with a pattern that makes zxcvbn work hardest. */
const longest = (pattern: string) => pattern.repeat(256).slice(0, 256);
/** Patterns with many l33t readings and repeats: each held the server for seconds at full length. */
const COSTLY = ['p4ssw0rd', 'p@$$w0rd', '4@$3!0|7', 'passwordpassword1234', '1'].map(longest);
/** A name and a long email spelling the same pattern, which zxcvbn adds to its dictionaries. */
const LONG_NAME = 'p4ssw0rd'.repeat(5);
const LONG_EMAIL = `${'p4ssw0rd'.repeat(8)}@${'p4ssw0rd'.repeat(7)}.example.com`;

const schemas: [string, z.ZodType, (password: string) => Record<string, unknown>][] = [
	[
		'sign-up',
		signUpSchema,
		(password) => ({ name: LONG_NAME, email: LONG_EMAIL, password, ageConfirmed: true })
	],
	['password reset', resetPasswordSchema, (password) => ({ token: 'a token', password })],
	['first password', addPasswordSchema, (newPassword) => ({ newPassword })],
	[
		'password change',
		changePasswordSchema,
		(newPassword) => ({ currentPassword: 'the old one', newPassword })
	]
];

/** The field errors of a parse, or null when it succeeds. */
function passwordErrors(schema: z.ZodType, input: Record<string, unknown>): string[] | null {
	const result = schema.safeParse(input);
	return result.success ? null : result.error.issues.map((issue) => issue.message);
}

// Ranking the dictionaries is done once per process, not per request: not what is measured here.
beforeAll(() => void passwordWeakness('a first password to check'));

describe.each(schemas)('the %s schema', (_, schema, input) => {
	it('judges the costliest password it accepts in a bounded time, as anyone can send one', () => {
		for (const password of COSTLY) {
			const started = performance.now();
			schema.safeParse(input(password));
			// zxcvbn took seconds on each of these before its work was bounded; now tens of milliseconds.
			expect(performance.now() - started, password.slice(0, 20)).toBeLessThan(1000);
		}
	});

	it('still refuses guessable passwords, however long, and takes strong ones', () => {
		const weak = [
			'password1234',
			'!1L0v3Y0u!',
			'm0nk3ym0nk3y',
			longest('p4ssw0rd'),
			longest('passwordpassword1234')
		];
		for (const password of weak) {
			expect(passwordErrors(schema, input(password)), password).toEqual([
				expect.stringMatching(/^This password is too easy to guess\./)
			]);
		}
		const strong = [
			'violet canyon teapot 42',
			// Strong from its start: what follows the scored part cannot make it weak.
			`harbor lantern quietly 77 ${'a'.repeat(200)}`
		];
		for (const password of strong) expect(passwordErrors(schema, input(password))).toBeNull();
	});
});
