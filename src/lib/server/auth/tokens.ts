import { sha256 } from '@oslojs/crypto/sha2';
import { constantTimeEqual } from '@oslojs/crypto/subtle';
import { decodeHex, encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from '@oslojs/encoding';

/**
 * Tokens are `<id>.<secret>`: the id finds the row, the secret is checked against a stored SHA-256.
 * A leaked database therefore yields no usable token, and the comparison takes constant time.
 */
export type IssuedToken = { id: string; token: string; secretHash: string };

function randomPart(): string {
	return encodeBase32LowerCaseNoPadding(crypto.getRandomValues(new Uint8Array(20)));
}

export function hashSecret(secret: string): string {
	return encodeHexLowerCase(sha256(new TextEncoder().encode(secret)));
}

export function issueToken(): IssuedToken {
	const id = randomPart();
	const secret = randomPart();
	return { id, token: `${id}.${secret}`, secretHash: hashSecret(secret) };
}

export function splitToken(token: string): { id: string; secret: string } | null {
	const parts = token.split('.');
	if (parts.length !== 2 || !parts[0] || !parts[1] || token.length > 100) return null;
	return { id: parts[0], secret: parts[1] };
}

export function secretMatches(secret: string, storedHash: string): boolean {
	return constantTimeEqual(decodeHex(hashSecret(secret)), decodeHex(storedHash));
}
