import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const start = resolve('src/cli/start.ts');
const tsx = resolve('node_modules/.bin/tsx');
const project = mkdtempSync(join(tmpdir(), 'start-spec-'));
afterAll(() => rmSync(project, { recursive: true, force: true }));

/**
 * A project whose build counts its runs and writes a server that prints a line and exits with
 * the code in SERVE_EXIT; BUILD_EXIT makes the build fail instead.
 */
function writeProject() {
	mkdirSync(join(project, 'src'), { recursive: true });
	writeFileSync(
		join(project, 'build.cjs'),
		`const fs = require('node:fs');
fs.appendFileSync('builds', 'x');
if (process.env.BUILD_EXIT) {
	console.log('the build broke here');
	process.exit(Number(process.env.BUILD_EXIT));
}
fs.mkdirSync('build', { recursive: true });
fs.writeFileSync('build/server.js', "console.log('serving'); process.exit(Number(process.env.SERVE_EXIT ?? 0));");
`
	);
	writeFileSync(
		join(project, 'package.json'),
		JSON.stringify({ name: 'start-spec', scripts: { build: 'node build.cjs' } })
	);
	writeFileSync(join(project, 'src', 'app.ts'), 'export const version = 1;\n');
}

function npmStart(
	env: Record<string, string> = {}
): Promise<{ code: number | null; output: string }> {
	const child = spawn(tsx, [start], {
		cwd: project,
		env: { ...process.env, ...env },
		stdio: ['ignore', 'pipe', 'pipe']
	});
	let output = '';
	child.stdout.on('data', (chunk) => (output += chunk));
	child.stderr.on('data', (chunk) => (output += chunk));
	return new Promise((done) => child.once('exit', (code) => done({ code, output })));
}

const builds = () => readFileSync(join(project, 'builds'), 'utf8').length;

describe('npm start', () => {
	writeProject();

	it('builds on first start, not again while the sources are the same, and again once they change', async () => {
		const first = await npmStart();
		expect(first.code, first.output).toBe(0);
		expect(first.output).toContain('serving');
		expect(builds()).toBe(1);

		const second = await npmStart();
		expect(second.output).toContain('serving');
		expect(second.output).not.toContain('Building');
		expect(builds()).toBe(1);

		writeFileSync(join(project, 'src', 'app.ts'), 'export const version = 2;\n');
		await npmStart();
		expect(builds()).toBe(2);
	});

	it("exits with the server's exit code, and shows a failed build's output", async () => {
		expect((await npmStart({ SERVE_EXIT: '4' })).code).toBe(4);

		writeFileSync(join(project, 'src', 'app.ts'), 'export const version = 3;\n');
		const failed = await npmStart({ BUILD_EXIT: '2' });
		expect(failed.code).toBe(2);
		expect(failed.output).toContain('the build broke here');
		expect(failed.output).not.toContain('serving');
	});
});
