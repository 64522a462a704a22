import { performance } from 'node:perf_hooks';

/** Above this share of a short look, the event loop is busy with other work than the caller's. */
const BUSY = 0.7;
const LOOK_MS = 20;

/**
 * Resolves once this process's event loop was mostly idle for a short look, or after `maxMs` at
 * the latest. The caller waits on a timer during the look, so its own work is not counted.
 */
export async function untilQuiet(maxMs: number): Promise<void> {
	const until = performance.now() + maxMs;
	for (;;) {
		const before = performance.eventLoopUtilization();
		await new Promise((resolve) => setTimeout(resolve, LOOK_MS));
		if (performance.eventLoopUtilization(before).utilization < BUSY) return;
		if (performance.now() >= until) return;
	}
}
