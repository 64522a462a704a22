import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
	chmodSync,
	existsSync,
	mkdirSync,
	mkdtempSync,
	readFileSync,
	rmSync,
	writeFileSync
} from 'node:fs';
import { join, resolve } from 'node:path';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../../src/lib/server/db/embedded';
import { ensureDatabase, migrateDatabase } from '../../src/lib/server/db/migrate';
import { waitFor } from './support/wait';

mkdirSync('.data', { recursive: true });
const dataDir = mkdtempSync(join(resolve('.data'), 'embedded-spec-'));
chmodSync(dataDir, 0o755);
const cleanup: (() => unknown)[] = [];
afterAll(async () => {
	for (const step of cleanup.reverse()) await step();
	rmSync(dataDir, { recursive: true, force: true });
});

async function select1(url: string): Promise<number> {
	const sql = postgres(url, { max: 1 });
	try {
		const [row] = await sql<{ one: number }[]>`select 1 as one`;
		return row!.one;
	} finally {
		await sql.end();
	}
}

/** A live process that is not PostgreSQL, owned by the user PostgreSQL runs as. */
function unrelatedProcess(): ChildProcess {
	const asPostgres =
		process.getuid?.() === 0
			? {
					uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })),
					gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }))
				}
			: {};
	return spawn('sleep', ['60'], { ...asPostgres, stdio: 'ignore' });
}

describe('embedded PostgreSQL', () => {
	it('starts, is reused while running, and recovers from a stale postmaster.pid after a crash', async () => {
		const logs: string[] = [];
		const first = await startEmbeddedPostgres(dataDir, (m) => logs.push(m), { persistent: false });
		expect(await select1(first.url)).toBe(1);

		const reused = await startEmbeddedPostgres(dataDir, (m) => logs.push(m));
		expect(reused.url).toBe(first.url);
		expect(logs.at(-1)).toMatch(/already running/);

		// Simulate a crash: the server dies without cleaning up, and its pid is taken by another process.
		const pgDir = logs.find((m) => m.startsWith('Creating'))!.match(/in (.+)\.$/)![1]!;
		const lockFile = join(pgDir, 'postmaster.pid');
		const lock = readFileSync(lockFile, 'utf8').split('\n');
		process.kill(Number(lock[0]), 'SIGKILL');
		await waitFor('the killed server to refuse connections', () =>
			select1(first.url).then(
				() => false,
				() => true
			)
		);
		const squatter = unrelatedProcess();
		cleanup.push(() => squatter.kill());
		lock[0] = String(squatter.pid);
		writeFileSync(lockFile, lock.join('\n'));

		const recovered = await startEmbeddedPostgres(dataDir, (m) => logs.push(m));
		cleanup.push(() => recovered.stop());
		expect(logs.some((m) => m.includes('stale postmaster.pid'))).toBe(true);
		expect(await select1(recovered.url)).toBe(1);

		// Two instances migrating at once take turns: both succeed, each migration runs once.
		const url = await ensureDatabase(recovered.url, 'migrate_twice');
		await Promise.all([migrateDatabase(url), migrateDatabase(url)]);
		const sql = postgres(url, { max: 1 });
		const applied = await sql`select count(*)::int as n from drizzle.__drizzle_migrations`;
		await sql.end();
		expect(applied[0]!.n).toBeGreaterThan(0);
		expect(applied[0]!.n).toBe(
			readFileSync('drizzle/meta/_journal.json', 'utf8').match(/"tag"/g)!.length
		);
	}, 120_000);

	it('keeps its data where the postgres user can reach it when the project folder is private', async () => {
		const privateDir = mkdtempSync(join(dataDir, 'private-'));
		chmodSync(privateDir, 0o700);
		const logs: string[] = [];
		const server = await startEmbeddedPostgres(join(privateDir, 'data'), (m) => logs.push(m), {
			persistent: false
		});
		cleanup.push(() => server.stop());
		expect(await select1(server.url)).toBe(1);
		const runningAsRoot = process.getuid?.() === 0;
		// Only root hands the server to another user; anyone else runs it as themselves.
		expect(logs.some((m) => m.includes('cannot reach'))).toBe(runningAsRoot);
		expect(existsSync(join(privateDir, 'data', 'pg', 'PG_VERSION'))).toBe(!runningAsRoot);
	}, 120_000);
});
