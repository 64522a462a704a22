/**
 * Builds the app when its sources changed since the last build: for `npm start`, and for the tests
 * that run the built app. The build's own output (hundreds of lines, warnings from dependencies)
 * goes to a log that is shown only when the build fails, so the console keeps what a person
 * starting the app needs.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
	createWriteStream,
	existsSync,
	mkdirSync,
	readdirSync,
	readFileSync,
	writeFileSync
} from 'node:fs';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';

const SOURCES = ['src', 'static', 'drizzle'];
const SOURCE_FILES = ['package.json', 'package-lock.json', 'svelte.config.js', 'vite.config.ts'];
const FINGERPRINT = join('build', '.sources');
const BUILD_LOG = join('.svelte-kit', 'build.log');

function filesUnder(dir: string): string[] {
	return readdirSync(dir, { recursive: true, withFileTypes: true })
		.filter((entry) => entry.isFile())
		.map((entry) => join(entry.parentPath, entry.name));
}

/** A hash of every source file's path and content: unlike modification times, it survives a checkout. */
function sourceFingerprint(): string {
	const hash = createHash('sha256');
	const files = [
		...SOURCES.filter(existsSync).flatMap(filesUnder),
		...SOURCE_FILES.filter(existsSync)
	].sort();
	for (const file of files) hash.update(file).update('\0').update(readFileSync(file)).update('\0');
	return hash.digest('hex');
}

function upToDate(fingerprint: string): boolean {
	return (
		existsSync(join('build', 'server.js')) &&
		existsSync(FINGERPRINT) &&
		readFileSync(FINGERPRINT, 'utf8') === fingerprint
	);
}

/** Runs a command to its end, passing Ctrl-C and SIGTERM on to it; resolves with its exit code. */
export function run(command: string, args: string[], log?: string): Promise<number> {
	if (log) mkdirSync(dirname(log), { recursive: true });
	const output = log ? createWriteStream(log) : undefined;
	const child = spawn(command, args, { stdio: output ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
	if (output) {
		child.stdout?.pipe(output);
		child.stderr?.pipe(output);
	}
	const pass = (signal: NodeJS.Signals) => child.kill(signal);
	process.on('SIGINT', pass).on('SIGTERM', pass);
	return new Promise((done) =>
		child.once('exit', (code, signal) => {
			process.off('SIGINT', pass).off('SIGTERM', pass);
			done(code ?? 128 + (signal ? constants.signals[signal] : 0));
		})
	);
}

/** Resolves with 0 once build/ matches the sources, or with the failed build's exit code. */
export async function buildIfStale(): Promise<number> {
	const fingerprint = sourceFingerprint();
	if (upToDate(fingerprint)) return 0;
	const began = Date.now();
	console.log('Building Sessionboard (its sources changed since the last build)…');
	const code = await run('npm', ['run', 'build'], BUILD_LOG);
	if (code !== 0) {
		const lines = readFileSync(BUILD_LOG, 'utf8').trimEnd().split('\n');
		console.error(lines.slice(-40).join('\n'));
		console.error(`\nThe build failed (exit ${code}); its whole output is in ${BUILD_LOG}.`);
		return code;
	}
	writeFileSync(FINGERPRINT, fingerprint);
	console.log(`Built in ${Math.round((Date.now() - began) / 1000)} s.`);
	return 0;
}
