import { describe, expect, it } from 'vitest';
import { hashPassword, passwordWeakness, verifyPassword } from './password';

describe('passwords', () => {
	it('hashes with argon2id and verifies only the right password', async () => {
		const hash = await hashPassword('violet canyon teapot 42');
		expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
		expect(await verifyPassword(hash, 'violet canyon teapot 42')).toBe(true);
		expect(await verifyPassword(hash, 'violet canyon teapot 43')).toBe(false);
	});

	it('explains why a guessable password is refused', () => {
		expect(passwordWeakness('password1234')).toMatch(/too easy to guess/);
		expect(passwordWeakness('robinsmith1234', ['robinsmith'])).not.toBeNull();
		expect(passwordWeakness('violet canyon teapot 42')).toBeNull();
	});
});
