/**
 * Keeps this process's event loop busy for `ms`, as a crowd of requests would: in 5 ms slices of
 * work, with I/O and timers let through between them.
 */
export function busyFor(ms: number): Promise<void> {
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
