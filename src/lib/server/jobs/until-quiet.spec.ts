import { describe, expect, it } from 'vitest';
import { untilQuiet } from './until-quiet';

/** Keeps the event loop busy, as requests would, in short slices until `ms` have passed. */
function busyFor(ms: number): Promise<void> {
	const end = performance.now() + ms;
	return new Promise((done) => {
		const slice = () => {
			const sliceEnd = Math.min(end, performance.now() + 5);
			while (performance.now() < sliceEnd) {
				// Work, as answering a request is.
			}
			if (performance.now() < end) setImmediate(slice);
			else done();
		};
		setImmediate(slice);
	});
}

async function msUntilQuiet(maxMs: number): Promise<number> {
	const start = performance.now();
	await untilQuiet(maxMs);
	return performance.now() - start;
}

describe('untilQuiet', () => {
	it('goes on at once when nothing else runs', async () => {
		expect(await msUntilQuiet(5000)).toBeLessThan(1000);
	});

	it('waits while the process is busy and goes on soon after it is not', async () => {
		const busy = busyFor(400);
		const waited = await msUntilQuiet(5000);
		await busy;
		expect(waited).toBeGreaterThanOrEqual(380);
		expect(waited).toBeLessThan(2000);
	});

	it('waits no longer than it is told to, however busy the process stays', async () => {
		const busy = busyFor(1500);
		const waited = await msUntilQuiet(300);
		await busy;
		expect(waited).toBeGreaterThanOrEqual(300);
		expect(waited).toBeLessThan(1400);
	});
});
