/**
 * `npm run start:cluster`: several app instances and one job worker on one database, as a
 * scaled-out deployment runs them, to try it on one machine. Builds when the sources changed,
 * prepares the database (the embedded one when DATABASE_URL is unset), then starts CLUSTER_SIZE
 * (default 2) instances of build/server.js on PORT, PORT+1, … with WORKER_IN_APP=false, and
 * `npm run worker`. Ctrl-C or SIGTERM stops them all, then the database; if one of them dies,
 * the others are stopped too and this exits non-zero.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { config, localOrigin } from '../lib/server/config';
import { prepareDatabase } from '../lib/server/db/prepare';
import { buildIfStale } from './build';

const size = z.coerce
	.number()
	.int()
	.min(1)
	.max(16)
	.default(2)
	.safeParse(process.env.CLUSTER_SIZE || undefined);
if (!size.success) {
	console.error('CLUSTER_SIZE must be a whole number from 1 to 16 (the number of app instances).');
	process.exit(1);
}

const built = await buildIfStale();
if (built !== 0) process.exit(built);

const settings = config();
const database = await prepareDatabase();

type Member = {
	name: string;
	child: ChildProcess;
	/** Once it has printed `readyLine`. */
	ready: Promise<void>;
	exited: Promise<number | null>;
};

/** Starts one process of the cluster, its output line by line behind its name. */
function startMember(
	name: string,
	args: string[],
	env: Record<string, string>,
	readyLine: string
): Member {
	const child = spawn(process.execPath, args, {
		env: { ...process.env, DATABASE_URL: database.url, ...env },
		stdio: ['ignore', 'pipe', 'pipe']
	});
	let said: () => void;
	const ready = new Promise<void>((done) => (said = done));
	for (const [stream, out] of [
		[child.stdout!, process.stdout],
		[child.stderr!, process.stderr]
	] as const) {
		createInterface({ input: stream }).on('line', (line) => {
			out.write(`[${name}] ${line}\n`);
			if (line.includes(readyLine)) said();
		});
	}
	const exited = once(child, 'exit').then(([code]) => code as number | null);
	return { name, child, ready, exited };
}

const members = [
	...Array.from({ length: size.data }, (_, i) =>
		startMember(
			`app ${i + 1}`,
			[join('build', 'server.js')],
			{
				PORT: String(settings.PORT + i),
				WORKER_IN_APP: 'false',
				// Each instance keeps its local outbox key (when there is no SMTP_URL) in a folder of
				// its own; the embedded database stays where DATA_DIR says.
				DATA_DIR: join(settings.DATA_DIR, `app-${i + 1}`)
			},
			'Sessionboard is ready at'
		)
	),
	startMember('worker', ['--import', 'tsx', join('src', 'cli', 'worker.ts')], {}, 'worker started')
];

let stopping = false;
/**
 * Stops every member with `signal` and then the database; resolves once all have ended, with
 * whether each stopped cleanly (exit code 0).
 */
async function stopAll(signal: NodeJS.Signals): Promise<boolean> {
	stopping = true;
	for (const { child } of members) {
		if (child.exitCode === null && child.signalCode === null) child.kill(signal);
	}
	const codes = await Promise.all(members.map((member) => member.exited));
	await database.stop();
	return codes.every((code) => code === 0);
}

// A terminal's Ctrl-C reaches the members too; each takes a second signal as the same request.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
	process.on(signal, () => {
		if (stopping) return;
		console.log(`Stopping the cluster (${signal})…`);
		void stopAll(signal).then((clean) => process.exit(clean ? 0 : 1));
	});
}

for (const member of members) {
	void member.exited.then(async (code) => {
		if (stopping) return;
		console.error(
			`${member.name} exited (${code ?? member.child.signalCode}): stopping the cluster.`
		);
		await stopAll('SIGTERM');
		process.exit(1);
	});
}

await Promise.all(members.map((member) => member.ready));
const addresses = Array.from({ length: size.data }, (_, i) => localOrigin(settings.PORT + i));
console.log(
	[
		`\nSessionboard cluster ready: ${size.data} app instance${size.data === 1 ? '' : 's'} and a job worker on one database.`,
		...addresses.map((address, i) => `  app ${i + 1}: ${address}`),
		settings.ORIGIN ? `Behind your proxy at ${settings.ORIGIN}.` : '',
		'Ctrl-C stops them all.\n'
	]
		.filter(Boolean)
		.join('\n')
);
