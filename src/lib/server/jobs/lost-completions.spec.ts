import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isConnectionLoss } from './lost-completions';

const module = fileURLToPath(new URL('./lost-completions.ts', import.meta.url));

/** A process that survives lost completions, then meets an unhandled rejection of `error`. */
function exitOf(error: string): Promise<{ code: number | null; output: string }> {
	const script = `
		const { surviveLostJobCompletions } = await import(${JSON.stringify(module)});
		surviveLostJobCompletions((message) => console.log(message));
		Promise.reject(${error});
		setTimeout(() => { console.log('still running'); process.exit(0); }, 300);`;
	return new Promise((done) => {
		const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]);
		let output = '';
		child.stdout.on('data', (chunk) => (output += chunk));
		child.stderr.on('data', (chunk) => (output += chunk));
		child.on('exit', (code) => done({ code, output }));
	});
}

describe('surviveLostJobCompletions', () => {
	it('keeps the process running through a rejection of a lost database connection', async () => {
		const { code, output } = await exitOf(
			`Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })`
		);
		expect(output).toContain('the database being unreachable');
		expect(output).toContain('still running');
		expect(code).toBe(0);
	});

	it('ends the process on any other unhandled rejection, as Node would', async () => {
		const { code, output } = await exitOf(`new Error('a bug of ours')`);
		expect(output).toContain('a bug of ours');
		expect(output).not.toContain('still running');
		expect(code).toBe(1);
	});
});

describe('isConnectionLoss', () => {
	it('knows pg’s lost and refused connections, and nothing else', () => {
		const withCode = (code: string) => Object.assign(new Error(code), { code });
		for (const code of ['ECONNRESET', 'ECONNREFUSED', '57P01', '08006']) {
			expect(isConnectionLoss(withCode(code))).toBe(true);
		}
		expect(isConnectionLoss(new Error('Connection terminated unexpectedly'))).toBe(true);
		expect(isConnectionLoss(withCode('23505'))).toBe(false);
		expect(isConnectionLoss(new Error('a bug of ours'))).toBe(false);
		expect(isConnectionLoss('ECONNRESET')).toBe(false);
	});
});
