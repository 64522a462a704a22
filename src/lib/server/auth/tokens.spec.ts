import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { issueToken, secretMatches, splitToken } from './tokens';

describe('tokens', () => {
	it('issues an id and a secret of which only the hash is meant to be stored', () => {
		const { id, token, secretHash } = issueToken();
		const parts = splitToken(token)!;
		expect(parts.id).toBe(id);
		// Computed here, independently: a reversible encoding in tokens.ts cannot match it.
		expect(secretHash).toBe(createHash('sha256').update(parts.secret).digest('hex'));
		expect(secretHash).not.toContain(parts.secret);
		expect(secretMatches(parts.secret, secretHash)).toBe(true);
	});

	it('never issues the same token twice', () => {
		const tokens = new Set(Array.from({ length: 1000 }, () => issueToken().token));
		expect(tokens.size).toBe(1000);
	});

	it('rejects a secret that differs in one character', () => {
		const { token, secretHash } = issueToken();
		const secret = splitToken(token)!.secret;
		const altered = (secret[0] === 'a' ? 'b' : 'a') + secret.slice(1);
		expect(secretMatches(altered, secretHash)).toBe(false);
	});

	it('refuses malformed tokens', () => {
		for (const bad of [
			'',
			'abc',
			'a.b.c',
			'.secret',
			'id.',
			'x'.repeat(60) + '.' + 'y'.repeat(60)
		]) {
			expect(splitToken(bad)).toBeNull();
		}
	});
});
