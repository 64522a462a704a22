import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { config } from './config';

/**
 * Secrets kept for an integration (Zoom's tokens) are sealed with AES-256-GCM under the newest of
 * TOKEN_KEYS. Each value gets its own random 96-bit IV; the associated data (the owner's user id)
 * is authenticated with it, so a sealed value copied to another user's row does not open.
 *
 * Sealed form: `v1.<key id>.<iv>.<ciphertext>.<tag>`, the last three in base64url. The key id is
 * the start of the key's SHA-256, which names the key without revealing it.
 */
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SealedValueRefused extends Error {
	constructor(reason: string) {
		super(`A sealed value was refused: ${reason}`);
		this.name = 'SealedValueRefused';
	}
}

export function sealingConfigured(): boolean {
	return config().TOKEN_KEYS.length > 0;
}

function keyId(key: Buffer): string {
	return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

export function seal(plaintext: string, associatedData: string): string {
	const [key] = config().TOKEN_KEYS;
	if (!key) throw new Error('TOKEN_KEYS is not set, so no token can be stored');
	const iv = randomBytes(IV_BYTES);
	const cipher = createCipheriv('aes-256-gcm', key, iv);
	cipher.setAAD(Buffer.from(associatedData, 'utf8'));
	const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
	const parts = [iv, ciphertext, cipher.getAuthTag()].map((part) => part.toString('base64url'));
	return ['v1', keyId(key), ...parts].join('.');
}

export function open(sealed: string, associatedData: string): string {
	const parts = /^v1\.([0-9a-f]{8})\.([\w-]+)\.([\w-]*)\.([\w-]+)$/.exec(sealed);
	if (!parts) throw new SealedValueRefused('not in the sealed form');
	const [, id, ivText, ciphertextText, tagText] = parts as unknown as [
		string,
		string,
		string,
		string,
		string
	];
	const key = config().TOKEN_KEYS.find((candidate) => keyId(candidate) === id);
	if (!key) throw new SealedValueRefused('sealed with a key that TOKEN_KEYS no longer holds');
	const iv = Buffer.from(ivText, 'base64url');
	const tag = Buffer.from(tagText, 'base64url');
	if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
		throw new SealedValueRefused('not in the sealed form');
	}
	const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
	decipher.setAAD(Buffer.from(associatedData, 'utf8'));
	decipher.setAuthTag(tag);
	try {
		const plaintext = Buffer.concat([
			decipher.update(Buffer.from(ciphertextText, 'base64url')),
			decipher.final()
		]);
		return plaintext.toString('utf8');
	} catch {
		throw new SealedValueRefused('altered, or sealed for another owner');
	}
}
