import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { config } from './config';
import type { Db } from './db';
import { appSecrets } from './db/schema';

let cached: Promise<Buffer> | undefined;

/**
 * The key for signed links: APP_SECRET, or else one generated on first use and stored in the
 * database, so every instance signs and checks with the same key without any configuration.
 */
function linkKey(db: Db): Promise<Buffer> {
	const fromEnvironment = config().APP_SECRET;
	if (fromEnvironment) return Promise.resolve(Buffer.from(fromEnvironment));
	cached ??= (async () => {
		await db
			.insert(appSecrets)
			.values({ name: 'link-key', value: randomBytes(32).toString('base64url') })
			.onConflictDoNothing();
		const [row] = await db.select().from(appSecrets).where(eq(appSecrets.name, 'link-key'));
		return Buffer.from(row!.value);
	})().catch((error) => {
		cached = undefined;
		throw error;
	});
	return cached;
}

/**
 * `offer`: the page where a waitlisted person pays for a place offered to them. `join`: one
 * subscriber's join link of one series date (the date is the link's `scope`). `google-flow`: the
 * cookie a sign-in with Google keeps until Google sends the browser back.
 */
export type LinkPurpose = 'manage' | 'unsubscribe' | 'confirm' | 'offer' | 'join' | 'google-flow';

function mac(key: Buffer, purpose: LinkPurpose, id: string, scope?: string): string {
	const signed = scope === undefined ? `${purpose}:${id}` : `${purpose}:${scope}:${id}`;
	return createHmac('sha256', key).update(signed).digest('base64url').slice(0, 32);
}

/**
 * `<value>.<signature>`: proves `value` (with no dot in it) was made by us for this purpose (and
 * `scope`, when it is good for one thing only, such as one date), so it can travel in a link or a
 * cookie unchanged; needs no storage.
 */
export async function seal(
	db: Db,
	purpose: LinkPurpose,
	value: string,
	scope?: string
): Promise<string> {
	return `${value}.${mac(await linkKey(db), purpose, value, scope)}`;
}

/** The value sealed, or null when it was not sealed by us for this purpose and scope. */
export async function unseal(
	db: Db,
	purpose: LinkPurpose,
	sealed: string,
	scope?: string
): Promise<string | null> {
	const [value, signature, extra] = sealed.split('.');
	if (!value || !signature || extra !== undefined) return null;
	const expected = Buffer.from(mac(await linkKey(db), purpose, value, scope));
	const given = Buffer.from(signature);
	return given.length === expected.length && timingSafeEqual(given, expected) ? value : null;
}

/** A link for the id: see seal. */
export function signLink(
	db: Db,
	purpose: LinkPurpose,
	id: string,
	scope?: string
): Promise<string> {
	return seal(db, purpose, id, scope);
}

/** The id a signed link is for, or null when it was not made by us for this purpose and scope. */
export async function verifyLink(
	db: Db,
	purpose: LinkPurpose,
	token: string,
	scope?: string
): Promise<string | null> {
	const id = await unseal(db, purpose, token, scope);
	return id && /^[0-9a-f-]{36}$/.test(id) ? id : null;
}
