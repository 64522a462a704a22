import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

mkdirSync('.data', { recursive: true });
const dataDir = mkdtempSync(join(resolve('.data'), 'exit-codes-'));
chmodSync(dataDir, 0o755);
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** Runs a TypeScript entry point on the embedded database in dataDir; resolves with its exit code. */
function run(script: string, ...args: string[]): Promise<{ code: number | null; output: string }> {
	const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir };
	delete env.DATABASE_URL;
	const child = spawn('npx', ['tsx', script, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
	let output = '';
	child.stdout.on('data', (chunk) => (output += chunk));
	child.stderr.on('data', (chunk) => (output += chunk));
	return new Promise((done) => child.once('exit', (code) => done({ code, output })));
}

/** The processes still running on the data folder that a run's log names. */
function processesOn(output: string): string[] {
	const folder = output.match(/Embedded PostgreSQL (\S+) listening/)?.[1];
	expect(folder, output).toBeDefined();
	return readdirSync('/proc').filter((pid) => {
		try {
			return /^\d+$/.test(pid) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(folder!);
		} catch {
			return false;
		}
	});
}

describe('a process that starts the embedded PostgreSQL', () => {
	it('exits with its own exit code, not 0, and leaves no PostgreSQL running', async () => {
		const result = await run('tests/integration/support/exit-with-code.ts', '3');
		expect(result.code, result.output).toBe(3);
		expect(processesOn(result.output)).toEqual([]);
	}, 120_000);

	it('npm run db:migrate exits 0 and stops the database it started', async () => {
		const result = await run('src/cli/migrate.ts');
		expect(result.code, result.output).toBe(0);
		expect(result.output).toContain('Migrations are up to date.');
		expect(processesOn(result.output)).toEqual([]);
	}, 120_000);
});
