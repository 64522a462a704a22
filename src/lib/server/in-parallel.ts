/** Runs `run` on every item, at most `limit` at a time; the results in the items' order. */
export async function inParallel<T, R>(
	items: T[],
	limit: number,
	run: (item: T) => Promise<R>
): Promise<R[]> {
	const results: R[] = new Array(items.length);
	let next = 0;
	const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
		while (next < items.length) {
			const index = next++;
			results[index] = await run(items[index]!);
		}
	});
	await Promise.all(lanes);
	return results;
}
