import { hash, verify } from '@node-rs/argon2';
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as english from '@zxcvbn-ts/language-en';

/** @node-rs/argon2 exports Algorithm as a const enum, which isolated modules cannot read: 2 is Argon2id. */
const ARGON2ID = 2;
/** OWASP's minimum recommendation for argon2id. */
const HASH_OPTIONS = { algorithm: ARGON2ID, memoryCost: 19456, timeCost: 2, parallelism: 1 };

export function hashPassword(password: string): Promise<string> {
	return hash(password, HASH_OPTIONS);
}

export function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
	return verify(passwordHash, password);
}

let dummyHash: Promise<string> | undefined;
/**
 * Spends the time of a real verification when there is no account, so that the answer time does
 * not tell whether an email is registered.
 */
export async function verifyAgainstNothing(password: string): Promise<false> {
	dummyHash ??= hashPassword('not a real password, only here to spend time');
	await verify(await dummyHash, password);
	return false;
}

let zxcvbn: ZxcvbnFactory | undefined;
/** Built on first use: ranking the dictionaries takes a noticeable moment that most requests never need. */
function strengthChecker(): ZxcvbnFactory {
	zxcvbn ??= new ZxcvbnFactory({
		dictionary: { ...common.dictionary, ...english.dictionary },
		graphs: common.adjacencyGraphs,
		translations: english.translations
	});
	return zxcvbn;
}

export const MIN_PASSWORD_SCORE = 3;

/** Returns why a password is too weak, or null when it is strong enough. */
export function passwordWeakness(password: string, personalWords: string[] = []): string | null {
	const result = strengthChecker().check(password, personalWords);
	if (result.score >= MIN_PASSWORD_SCORE) return null;
	const hints = [result.feedback.warning, ...result.feedback.suggestions].filter(Boolean);
	return ['This password is too easy to guess.', ...hints].join(' ');
}
