/** Settings shared by the bench scripts: which database, and who the bench practitioner is. */

export const BENCH_PRACTITIONER = {
	name: 'Bea Bench',
	email: 'bench@sessionboard.localhost',
	password: 'bench practice passphrase 2026',
	timeZone: 'Europe/Berlin',
	currency: 'EUR'
} as const;

export const BENCH_CLIENTS = 10_000;
export const BENCH_SESSIONS = 100_000;

/**
 * The bench database. It is never the one in DATABASE_URL by accident: the scripts refuse to start
 * without it, because the seed deletes and recreates the bench practitioner there.
 */
export function benchDatabaseUrl(): string {
	const url = process.env.DATABASE_URL?.trim();
	if (!url) {
		throw new Error(
			'Set DATABASE_URL to the bench database, e.g.\n' +
				'  DATABASE_URL=postgres://postgres@127.0.0.1:5432/sessionboard_bench npm run bench:seed'
		);
	}
	return url;
}

/** The server's maintenance database next to `url`, from which a missing bench database is created. */
export function serverUrlAndName(url: string): { serverUrl: string; name: string } {
	const parsed = new URL(url);
	const name = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
	if (!/^[a-z0-9_]+$/i.test(name)) {
		throw new Error(`DATABASE_URL must name a database (letters, digits, _), got "${name}".`);
	}
	parsed.pathname = '/postgres';
	return { serverUrl: parsed.toString(), name };
}
