import { describe, expect, it } from 'vitest';
import { keyedBatches, type ItemOutcome } from './keyed-batches';

function deferred() {
	let release!: () => void;
	const promise = new Promise<void>((done) => (release = done));
	return { promise, release };
}

describe('keyedBatches', () => {
	it('runs the first item at once and those that arrive meanwhile together, in order', async () => {
		const batches: string[][] = [];
		const gate = deferred();
		const run = keyedBatches<string, string>(async (_key, items) => {
			batches.push(items);
			if (batches.length === 1) await gate.promise;
			return items.map((item) => ({ ok: true, value: item.toUpperCase() }));
		}, 10);
		const first = run('series-1', 'a');
		const rest = ['b', 'c', 'd'].map((item) => run('series-1', item));
		expect(batches).toEqual([['a']]);
		gate.release();
		expect(await Promise.all([first, ...rest])).toEqual(['A', 'B', 'C', 'D']);
		expect(batches).toEqual([['a'], ['b', 'c', 'd']]);
	});

	it('never runs two batches of one key at once, but different keys do not wait on each other', async () => {
		let running = 0;
		let most = 0;
		const keysSeen: string[] = [];
		const run = keyedBatches<number, number>(async (key, items) => {
			running += 1;
			most = Math.max(most, running);
			keysSeen.push(key);
			await new Promise((r) => setTimeout(r, 5));
			running -= 1;
			return items.map((n) => ({ ok: true, value: n * 2 }));
		}, 3);
		const results = await Promise.all([
			...Array.from({ length: 7 }, (_, n) => run('one', n)),
			run('two', 100)
		]);
		expect(results).toEqual([0, 2, 4, 6, 8, 10, 12, 200]);
		// 'one' and 'two' overlapped; 'one' ran its 7 items as 1 + 3 + 3, one batch at a time.
		expect(most).toBe(2);
		expect(keysSeen.filter((k) => k === 'one')).toHaveLength(3);
	});

	it('fails only the items the work says failed, or the whole batch when the work throws', async () => {
		const run = keyedBatches<number, number>(async (_key, items) => {
			if (items.includes(13)) throw new Error('database down');
			return items.map((n): ItemOutcome<number> =>
				n % 2 ? { ok: false, error: new Error(`odd ${n}`) } : { ok: true, value: n }
			);
		}, 10);
		await expect(run('k', 2)).resolves.toBe(2);
		await expect(run('k', 3)).rejects.toThrow('odd 3');
		await expect(run('k', 13)).rejects.toThrow('database down');
		// The key's queue is usable after a failure.
		await expect(run('k', 4)).resolves.toBe(4);
	});
});
