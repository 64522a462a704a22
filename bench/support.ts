/** What the bench scripts share: bounded settings, child servers they start and stop, HTTP, tables. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';

export const LOCALHOST = '127.0.0.1';
const START_TIMEOUT_MS = 60_000;

/** A whole-number setting from the environment, refused when outside its bounds. */
export function intSetting(name: string, fallback: number, min: number, max: number): number {
	const raw = process.env[name];
	const value = raw === undefined || raw === '' ? fallback : Number(raw);
	if (!Number.isInteger(value) || value < min || value > max) {
		throw new Error(`${name} must be a whole number from ${min} to ${max}, got "${raw}".`);
	}
	return value;
}

/** USER_HZ: 100 on every mainstream Linux build. */
const CLOCK_TICKS_PER_SECOND = 100;

/** A process's name and the CPU time (user + system, ms) it has used, from /proc on Linux. */
function readStat(pid: number | string): { name: string; cpuMs: number } | null {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
		// Fields after "(name) ": state is the 1st, utime the 12th and stime the 13th, in clock ticks.
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		const ticks = Number(fields[11]) + Number(fields[12]);
		return Number.isFinite(ticks) ? { name, cpuMs: ticks * (1000 / CLOCK_TICKS_PER_SECOND) } : null;
	} catch {
		return null;
	}
}

/** CPU time (user + system, ms) a process has used, on Linux; null elsewhere or once it ended. */
export function processCpuMs(pid: number | undefined): number | null {
	return pid === undefined ? null : (readStat(pid)?.cpuMs ?? null);
}

/** CPU time (ms) each of this machine's PostgreSQL server processes has used so far, on Linux. */
export function postgresCpu(): Map<string, number> {
	const used = new Map<string, number>();
	let entries: string[] = [];
	try {
		entries = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
	} catch {
		// Not Linux: nothing to read.
	}
	for (const pid of entries) {
		const stat = readStat(pid);
		if (stat?.name === 'postgres') used.set(pid, stat.cpuMs);
	}
	return used;
}

/** CPU ms PostgreSQL used between two readings; a process that ended in between is missed. */
export function postgresCpuBetween(before: Map<string, number>, after: Map<string, number>) {
	let sum = 0;
	for (const [pid, ms] of after) sum += ms - (before.get(pid) ?? 0);
	return sum;
}

export type Started = { name: string; child: ChildProcess; output: string[] };
const started: Started[] = [];

/** A Node.js child process whose last output is kept, to show when it fails to start. */
export function startProcess(name: string, args: string[], env: NodeJS.ProcessEnv): Started {
	const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
	const entry: Started = { name, child, output: [] };
	const keep = (chunk: Buffer) => {
		entry.output.push(chunk.toString());
		if (entry.output.length > 200) entry.output.shift();
	};
	child.stdout?.on('data', keep);
	child.stderr?.on('data', keep);
	started.push(entry);
	return entry;
}

async function stopProcess({ child }: Started): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return;
	const exited = new Promise<void>((done) => child.once('exit', () => done()));
	child.kill('SIGTERM');
	const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
	await exited;
	clearTimeout(timer);
}

export function stopAllProcesses(): Promise<void[]> {
	return Promise.all(started.map(stopProcess));
}

export type HttpTarget = { port: number; agent: Agent; headers?: Record<string, string> };
export type Answer = { status: number; body: string; ms: number };

/** One request to 127.0.0.1, given up after `timeoutMs` (10 s unless told). */
export function send(
	target: HttpTarget,
	path: string,
	options: {
		method?: string;
		headers?: Record<string, string>;
		body?: string;
		timeoutMs?: number;
	} = {}
): Promise<Answer> {
	return new Promise((done, fail) => {
		const startedAt = performance.now();
		const req = request(
			{
				host: LOCALHOST,
				port: target.port,
				path,
				method: options.method ?? 'GET',
				headers: { ...target.headers, ...options.headers },
				agent: target.agent
			},
			(res) => {
				const chunks: Buffer[] = [];
				res.on('data', (chunk: Buffer) => chunks.push(chunk));
				res.on('end', () =>
					done({
						status: res.statusCode ?? 0,
						body: Buffer.concat(chunks).toString(),
						ms: performance.now() - startedAt
					})
				);
				res.on('error', fail);
			}
		);
		req.setTimeout(options.timeoutMs ?? 10_000, () => req.destroy(new Error(`timed out: ${path}`)));
		req.on('error', fail);
		req.end(options.body);
	});
}

/** An HTTP/1.1 answer read whole off a closed connection: its status line, headers and body. */
function parseAnswer(raw: Buffer): { status: number; body: string } {
	const headEnd = raw.indexOf('\r\n\r\n');
	if (headEnd < 0) throw new Error("the connection closed before the answer's headers ended");
	const head = raw.subarray(0, headEnd).toString('latin1').split('\r\n');
	const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head[0] ?? '')?.[1]);
	if (!status) throw new Error(`not an HTTP answer: ${head[0]}`);
	const chunked = head.some((line) => /^transfer-encoding:.*chunked/i.test(line));
	let body = raw.subarray(headEnd + 4);
	if (chunked) {
		const parts: Buffer[] = [];
		for (let at = 0; ;) {
			const sizeEnd = body.indexOf('\r\n', at);
			const size = parseInt(body.subarray(at, sizeEnd).toString('latin1'), 16);
			if (sizeEnd < 0 || Number.isNaN(size)) throw new Error('a chunked answer was cut short');
			if (size === 0) break;
			parts.push(body.subarray(sizeEnd + 2, sizeEnd + 2 + size));
			at = sizeEnd + 2 + size + 2;
		}
		body = Buffer.concat(parts);
	}
	return { status, body: body.toString() };
}

/**
 * One request on a connection of its own, which the server closes after answering: a visitor of a
 * crowd, each on their own connection, made with as little of this machine's CPU as it takes.
 * The visitors share the machine with the app they measure; node:http's client (agent, parser,
 * message streams) took about a third more CPU a request than this raw socket does.
 */
export function sendOnce(
	port: number,
	path: string,
	options: { method: string; headers: Record<string, string>; body?: string; timeoutMs: number }
): Promise<Answer> {
	return new Promise((done, fail) => {
		const startedAt = performance.now();
		const body = options.body ?? '';
		const head = [
			`${options.method} ${path} HTTP/1.1`,
			`host: ${LOCALHOST}:${port}`,
			'connection: close',
			`content-length: ${Buffer.byteLength(body)}`,
			...Object.entries(options.headers).map(([name, value]) => `${name}: ${value}`)
		];
		const chunks: Buffer[] = [];
		const socket = connect({ host: LOCALHOST, port });
		socket.setTimeout(options.timeoutMs, () => socket.destroy(new Error(`timed out: ${path}`)));
		socket.on('data', (chunk: Buffer) => chunks.push(chunk));
		socket.on('error', fail);
		socket.on('end', () => {
			try {
				done({ ...parseAnswer(Buffer.concat(chunks)), ms: performance.now() - startedAt });
			} catch (error) {
				fail(error);
			}
		});
		socket.write(`${head.join('\r\n')}\r\n\r\n${body}`);
	});
}

/** Refuses a port something else already answers on, so we never measure a stranger's server. */
export async function assertPortFree(port: number): Promise<void> {
	const agent = new Agent();
	const answer = await send({ port, agent }, '/').catch(() => null);
	agent.destroy();
	if (answer)
		throw new Error(`Port ${port} is already in use; choose another (see bench/README.md).`);
}

export async function waitUntilUp(port: number, path: string, server: Started): Promise<void> {
	const agent = new Agent();
	try {
		const deadline = Date.now() + START_TIMEOUT_MS;
		while (Date.now() < deadline) {
			if (server.child.exitCode !== null) break;
			const answer = await send({ port, agent }, path).catch(() => null);
			if (answer?.status === 200) return;
			await new Promise((wake) => setTimeout(wake, 250));
		}
	} finally {
		agent.destroy();
	}
	throw new Error(`${server.name} did not start:\n${server.output.join('').slice(-3000)}`);
}

/** Waits until a started process printed `text` (it says it is ready), or fails with its output. */
export async function waitForOutput(started: Started, text: string): Promise<void> {
	const deadline = Date.now() + START_TIMEOUT_MS;
	while (Date.now() < deadline && started.child.exitCode === null) {
		if (started.output.join('').includes(text)) return;
		await new Promise((wake) => setTimeout(wake, 100));
	}
	throw new Error(`${started.name} did not start:\n${started.output.join('').slice(-3000)}`);
}

/** A markdown table: the first column left-aligned, the others right-aligned. */
export function printTable(header: string[], rows: string[][]): void {
	const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
	const line = (cells: string[]) =>
		`| ${cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join(' | ')} |`;
	console.log(line(header));
	console.log(
		`|${widths.map((w, c) => (c === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`
	);
	for (const row of rows) console.log(line(row));
}

/**
 * Runs a bench script's main, printing a failure as a message (exit code 1) rather than a stack,
 * and always cleaning up, also on Ctrl-C.
 */
export async function runBench(main: () => Promise<void>, cleanUp: () => Promise<void>) {
	process.once('SIGINT', () => {
		void cleanUp().then(() => process.exit(130));
	});
	try {
		await main();
	} catch (error) {
		console.error(`\n${error instanceof Error ? error.message : String(error)}`);
		process.exitCode = 1;
	} finally {
		await cleanUp();
	}
}
