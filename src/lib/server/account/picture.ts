import { eq } from 'drizzle-orm';
import { insecureStandInHost, standInIssuer } from '../auth/google';
import type { Db } from '../db';
import { userPictures, users } from '../db/schema';
import { reportUnexpected } from '../unexpected';

const PICTURE_MAX_BYTES = 1024 * 1024;
const PICTURE_TIMEOUT_MS = 5000;

/** Each allowed type by the bytes its files start with, so a picture is what it says it is. */
const SIGNATURES: Record<string, (bytes: Buffer) => boolean> = {
	'image/jpeg': (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
	'image/png': (b) => b.subarray(0, 8).equals(Buffer.from('89504e470d0a1a0a', 'hex')),
	'image/gif': (b) => b.subarray(0, 4).toString('latin1') === 'GIF8',
	'image/webp': (b) =>
		b.subarray(0, 4).toString('latin1') === 'RIFF' &&
		b.subarray(8, 12).toString('latin1') === 'WEBP'
};

/**
 * Only from where Google keeps pictures, over HTTPS: the address comes in the ID token, and our
 * server fetching it must not be a way to reach any other host, least of all services near it.
 * A stand-in provider (GOOGLE_ISSUER, the tests') serves its pictures from its own host instead,
 * over HTTP only when it is itself served so.
 */
function fetchable(address: string): URL | null {
	let url: URL;
	try {
		url = new URL(address);
	} catch {
		return null;
	}
	if (url.username || url.password) return null;
	const standIn = standInIssuer();
	if (standIn) {
		const secure = url.protocol === 'https:' || url.hostname === insecureStandInHost();
		return url.hostname === standIn.hostname && secure ? url : null;
	}
	return url.protocol === 'https:' && url.hostname.endsWith('.googleusercontent.com') ? url : null;
}

/** Reads at most `limit` bytes; null when there are more. */
async function readCapped(body: ReadableStream<Uint8Array>, limit: number): Promise<Buffer | null> {
	const reader = body.getReader();
	const chunks: Uint8Array[] = [];
	let size = 0;
	for (;;) {
		const { done, value } = await reader.read();
		if (done) return Buffer.concat(chunks);
		size += value.byteLength;
		if (size > limit) {
			await reader.cancel();
			return null;
		}
		chunks.push(value);
	}
}

/** The picture at `address`, or null when it cannot be had within the rules above. */
async function fetchPicture(
	address: string
): Promise<{ contentType: string; bytes: Buffer } | null> {
	const url = fetchable(address);
	if (!url) return null;
	try {
		const response = await fetch(url, {
			// A redirect could lead anywhere, past the checks above.
			redirect: 'error',
			signal: AbortSignal.timeout(PICTURE_TIMEOUT_MS),
			headers: { accept: Object.keys(SIGNATURES).join(', ') }
		});
		const contentType = response.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();
		const declared = Number(response.headers.get('content-length') ?? 0);
		if (!response.ok || !response.body || !contentType || !SIGNATURES[contentType]) {
			await response.body?.cancel();
			return null;
		}
		if (declared > PICTURE_MAX_BYTES) {
			await response.body.cancel();
			return null;
		}
		const bytes = await readCapped(response.body, PICTURE_MAX_BYTES);
		if (!bytes || !SIGNATURES[contentType](bytes)) return null;
		return { contentType, bytes };
	} catch {
		// Unreachable, too slow, refused: the account simply keeps the picture it had.
		return null;
	}
}

/** Copies the picture at `address` to the account; without one, the account keeps its own. */
export async function copyPicture(db: Db, userId: string, address: string | null): Promise<void> {
	if (!address) return;
	const picture = await fetchPicture(address);
	if (!picture) return;
	try {
		await db
			.insert(userPictures)
			.values({ userId, ...picture, updatedAt: new Date() })
			.onConflictDoUpdate({
				target: userPictures.userId,
				set: { ...picture, updatedAt: new Date() }
			});
	} catch (error) {
		// A picture is a nicety: the sign-in it came with goes ahead without it.
		reportUnexpected(error, 'copying a profile picture');
	}
}

export async function pictureOf(db: Db, userId: string) {
	const [picture] = await db
		.select({ contentType: userPictures.contentType, bytes: userPictures.bytes })
		.from(userPictures)
		.where(eq(userPictures.userId, userId));
	return picture;
}

export async function hasPicture(db: Db, userId: string): Promise<boolean> {
	const [row] = await db
		.select({ userId: userPictures.userId })
		.from(userPictures)
		.where(eq(userPictures.userId, userId));
	return row !== undefined;
}

/** Settings → Practice: the "Show my picture on my signup pages" choice, offered with a picture. */
export async function publicPictureSetting(db: Db, userId: string) {
	const [row] = await db
		.select({ pictureOnPublicPages: users.pictureOnPublicPages })
		.from(users)
		.where(eq(users.id, userId));
	return {
		hasPicture: await hasPicture(db, userId),
		pictureOnPublicPages: row?.pictureOnPublicPages ?? false
	};
}
