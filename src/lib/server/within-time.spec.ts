import { describe, expect, it } from 'vitest';
import { OutOfTime, runWithin } from './within-time';

describe('runWithin', () => {
	it('stops long work, even inside a try that would catch, and runs again after', () => {
		let caught = false;
		const started = Date.now();
		// Five seconds of work rather than endless, so that a limit not kept fails the test.
		expect(() =>
			runWithin(200, () => {
				try {
					while (Date.now() - started < 5000);
				} catch {
					caught = true;
				}
			})
		).toThrow(OutOfTime);
		expect(caught).toBe(false);
		expect(Date.now() - started).toBeLessThan(5000);
		expect(runWithin(200, () => 'again')).toBe('again');
	});

	it('gives back what the work returns or throws, as it is', () => {
		class Refusal extends Error {}
		expect(runWithin(1000, () => ({ n: 1 }))).toEqual({ n: 1 });
		expect(() =>
			runWithin(1000, () => {
				throw new Refusal('no');
			})
		).toThrow(Refusal);
	});
});
