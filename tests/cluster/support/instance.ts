import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export type Instance = {
	/** Where it serves, http://127.0.0.1:<port>; also its ORIGIN. */
	origin: string;
	port: number;
	child: ChildProcess;
	/** Everything it printed so far, stdout and stderr. */
	output: () => string;
	/** Sends `signal` and resolves with the exit code once the process has ended. */
	stop: (signal?: NodeJS.Signals) => Promise<number | null>;
};

export type InstanceOptions = {
	databaseUrl: string;
	/** Reuse a port, as an instance restarted in place does. Default: a free one. */
	port?: number;
	/** More of the environment, e.g. SMTP_URL, WORKER_IN_APP, REDIS_URL. */
	env?: Record<string, string>;
};

const SERVER = resolve('build/server.js');
const started = new Set<Instance>();
/** Processes of startProcess, ended by stopInstances as well. */
const others = new Set<Process>();

export async function freePort(): Promise<number> {
	const probe = createServer();
	await new Promise<void>((listening) => probe.listen(0, '127.0.0.1', listening));
	const { port } = probe.address() as { port: number };
	await new Promise((closed) => probe.close(closed));
	return port;
}

/**
 * One app instance as production runs it (`node build/server.js`, the build the global setup made)
 * on `databaseUrl`, listening on 127.0.0.1; resolves once it says it is ready.
 */
export async function startInstance({
	databaseUrl,
	port,
	env = {}
}: InstanceOptions): Promise<Instance> {
	const listenOn = port ?? (await freePort());
	const origin = `http://127.0.0.1:${listenOn}`;
	const dataDir = mkdtempSync(join(tmpdir(), 'sessionboard-instance-'));
	const child = spawn(process.execPath, [SERVER], {
		env: {
			PATH: process.env.PATH,
			DATABASE_URL: databaseUrl,
			DATA_DIR: dataDir,
			ORIGIN: origin,
			PORT: String(listenOn),
			HOST: '127.0.0.1',
			...env
		},
		stdio: ['ignore', 'pipe', 'pipe']
	});
	let printed = '';
	child.stdout!.on('data', (chunk: Buffer) => (printed += chunk.toString()));
	child.stderr!.on('data', (chunk: Buffer) => (printed += chunk.toString()));
	const exited = once(child, 'exit').then(([code]) => {
		started.delete(instance);
		rmSync(dataDir, { recursive: true, force: true });
		return code as number | null;
	});
	const instance: Instance = {
		origin,
		port: listenOn,
		child,
		output: () => printed,
		stop: async (signal = 'SIGTERM') => {
			// Left in `started` until it has exited: stopInstances() kills one that ignores `signal`.
			if (child.exitCode === null && child.signalCode === null) child.kill(signal);
			return exited;
		}
	};
	started.add(instance);
	const ready = new Promise<void>((done, fail) => {
		const check = () => {
			if (printed.includes('Sessionboard is ready at')) done();
		};
		child.stdout!.on('data', check);
		void exited.then((code) => fail(new Error(`The instance exited (${code}):\n${printed}`)));
	});
	await ready;
	return instance;
}

/** For afterAll: ends every instance a test left running. */
export async function stopInstances(): Promise<void> {
	await Promise.all([...started, ...others].map((running) => running.stop('SIGKILL')));
}

export type Process = {
	child: ChildProcess;
	/** Everything it printed so far, stdout and stderr. */
	output: () => string;
	/** Sends `signal` and resolves with the exit code once the process has ended. */
	stop: (signal?: NodeJS.Signals) => Promise<number | null>;
};

/**
 * Any other process of a deployment (a worker, `npm run start:cluster`), started from the
 * worktree with `env` as its whole environment besides PATH; resolves once it has printed
 * `ready`. `stopInstances()` ends it too.
 */
export async function startProcess(
	args: string[],
	{ env, ready }: { env: Record<string, string>; ready: string | RegExp }
): Promise<Process> {
	const child = spawn(process.execPath, args, {
		env: { PATH: process.env.PATH, ...env },
		stdio: ['ignore', 'pipe', 'pipe']
	});
	let printed = '';
	const exited = once(child, 'exit').then(([code]) => {
		others.delete(started);
		return code as number | null;
	});
	const started: Process = {
		child,
		output: () => printed,
		stop: async (signal = 'SIGTERM') => {
			if (child.exitCode === null && child.signalCode === null) child.kill(signal);
			return exited;
		}
	};
	others.add(started);
	await new Promise<void>((done, fail) => {
		const hear = (chunk: Buffer) => {
			printed += chunk.toString();
			if (typeof ready === 'string' ? printed.includes(ready) : ready.test(printed)) done();
		};
		child.stdout!.on('data', hear);
		child.stderr!.on('data', hear);
		void exited.then((code) => fail(new Error(`${args.join(' ')} exited (${code}):\n${printed}`)));
	});
	return started;
}

/**
 * `npm run worker` as an operator runs it beside instances with WORKER_IN_APP=false, on
 * `databaseUrl`; resolves once it works jobs. `env` adds to its environment (ORIGIN, SMTP_URL…).
 */
export async function startWorkerProcess({
	databaseUrl,
	env = {}
}: Omit<InstanceOptions, 'port'>): Promise<Process> {
	const dataDir = mkdtempSync(join(tmpdir(), 'sessionboard-worker-'));
	const worker = await startProcess(['--import', 'tsx', resolve('src/cli/worker.ts')], {
		env: { DATABASE_URL: databaseUrl, DATA_DIR: dataDir, ...env },
		ready: '[jobs] worker started'
	});
	worker.child.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));
	return worker;
}
