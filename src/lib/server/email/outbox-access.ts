import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The local outbox holds sign-up and password-reset links: whoever reads it can take over any
 * account. Only whoever started the app may: it makes a random key at start and prints the
 * outbox's address with it; a browser that presents the key keeps it in a cookie for the outbox.
 */

/** The cookie that keeps the key, sent only to the outbox's own pages. */
export const OUTBOX_COOKIE = 'sb_outbox';
export const OUTBOX_PATH = '/dev/outbox';
/** Beside the embedded database's data: where scripts (the browser tests) read the key. */
export const OUTBOX_KEY_FILE = 'outbox-key';

/** On globalThis: the production entry and SvelteKit's build each load their own copy of this module. */
const KEY = Symbol.for('sessionboard.outboxKey');
type Holder = { [KEY]?: string };

/**
 * Makes this process's key, writes it to DATA_DIR/outbox-key readable by the user who started
 * the app alone, and returns the outbox's address with the key.
 */
export function openOutbox(origin: string, dataDir: string): string {
	const key = randomBytes(32).toString('base64url');
	mkdirSync(dataDir, { recursive: true, mode: 0o700 });
	const file = join(dataDir, OUTBOX_KEY_FILE);
	// A new file, so that its mode is ours whatever an old one's was.
	rmSync(file, { force: true });
	writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
	(globalThis as Holder)[KEY] = key;
	return `${origin}${OUTBOX_PATH}?key=${key}`;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Whether `presented` is this process's key, compared in constant time. */
export function isOutboxKey(presented: string | null | undefined): boolean {
	const key = (globalThis as Holder)[KEY];
	if (!key || !presented) return false;
	// Digests have one length, so neither the comparison nor its refusal tells the key's length.
	return timingSafeEqual(digest(presented), digest(key));
}
