import { createDecipheriv, randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { open, seal, SealedValueRefused } from './crypto';

const saved = process.env.TOKEN_KEYS;
const oldKey = randomBytes(32).toString('base64');
const newKey = randomBytes(32).toString('base64');
beforeEach(() => {
	process.env.TOKEN_KEYS = oldKey;
});
afterEach(() => {
	if (saved === undefined) delete process.env.TOKEN_KEYS;
	else process.env.TOKEN_KEYS = saved;
});

describe('sealed values', () => {
	it('open to what was sealed, and hold none of it in the clear', () => {
		const token = 'eyJzdiI6IjAwMDAwMSIsImFsZyI6IkhTNTEyIn0.secret-part';
		const sealed = seal(token, 'user-1');
		expect(sealed).not.toContain('secret-part');
		expect(open(sealed, 'user-1')).toBe(token);
	});

	it('are AES-256-GCM with a fresh 96-bit IV each time, openable by any standard implementation', () => {
		const first = seal('same', 'user-1');
		const second = seal('same', 'user-1');
		expect(first).not.toBe(second);
		const [, , ivText, ciphertextText, tagText] = first.split('.') as [string, ...string[]];
		const iv = Buffer.from(ivText!, 'base64url');
		expect(iv).toHaveLength(12);
		const decipher = createDecipheriv('aes-256-gcm', Buffer.from(oldKey, 'base64'), iv);
		decipher.setAAD(Buffer.from('user-1'));
		decipher.setAuthTag(Buffer.from(tagText!, 'base64url'));
		const plain = Buffer.concat([
			decipher.update(Buffer.from(ciphertextText!, 'base64url')),
			decipher.final()
		]);
		expect(plain.toString()).toBe('same');
	});

	it('refuse another owner, an altered byte and an unknown key', () => {
		const sealed = seal('token', 'user-1');
		expect(() => open(sealed, 'user-2')).toThrow(SealedValueRefused);
		const parts = sealed.split('.');
		const body = Buffer.from(parts[3]!, 'base64url');
		body[0]! ^= 1;
		parts[3] = body.toString('base64url');
		expect(() => open(parts.join('.'), 'user-1')).toThrow(SealedValueRefused);
		process.env.TOKEN_KEYS = newKey;
		expect(() => open(sealed, 'user-1')).toThrow(SealedValueRefused);
	});

	it('rotate: a new key in front seals, and the old one behind still opens', () => {
		const before = seal('token', 'user-1');
		process.env.TOKEN_KEYS = `${newKey},${oldKey}`;
		expect(open(before, 'user-1')).toBe('token');
		const after = seal('token', 'user-1');
		process.env.TOKEN_KEYS = newKey;
		expect(open(after, 'user-1')).toBe('token');
		expect(() => open(before, 'user-1')).toThrow(SealedValueRefused);
	});

	it('cannot be made without a key', () => {
		process.env.TOKEN_KEYS = '';
		expect(() => seal('token', 'user-1')).toThrow(/TOKEN_KEYS/);
	});
});
