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

/**
 * The strength check runs on public forms before any rate limit, so its cost must not grow with
 * what a visitor sends: zxcvbn looks every substring up in every dictionary, once for each l33t
 * reading of the password, and all 256 characters of 'p4ssw0rd' repeated held the server for four
 * seconds. Only this many leading characters are scored, which bounds the work to tens of
 * milliseconds. That never lets a weak password through: whoever guesses the whole password has
 * guessed its start, so a strong start makes a strong whole. It only asks that a very long password
 * not keep all its strength past its 48th character, room enough for a passphrase of six words.
 */
const SCORED_LENGTH = 48;
/**
 * zxcvbn reads the password again for each l33t substitution it tries, 100 by default. Ten gave
 * the same score as 100 to every common l33t password we tried ('p4ssw0rd1234', 'P@ssw0rd2024!',
 * '!1L0v3Y0u!'…), while five already let '!1L0v3Y0u!' through. The readings are tried from the
 * most substituted down, so the ones cut off only vary a long password's last few substitutions.
 */
const L33T_READINGS = 10;

let zxcvbn: ZxcvbnFactory | undefined;
/** Built on first use: ranking the dictionaries takes a noticeable moment that most requests never need. */
function strengthChecker(): ZxcvbnFactory {
	zxcvbn ??= new ZxcvbnFactory({
		dictionary: { ...common.dictionary, ...english.dictionary },
		graphs: common.adjacencyGraphs,
		translations: english.translations,
		maxLength: SCORED_LENGTH,
		l33tMaxSubstitutions: L33T_READINGS
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
