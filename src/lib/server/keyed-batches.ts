/** What became of one item of a batch. */
export type ItemOutcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

type Waiting<I, R> = { item: I; done: (value: R) => void; fail: (error: unknown) => void };

/**
 * Runs work in batches, one batch at a time per key. The first item for a key starts a batch at
 * once; items that arrive while it runs wait and then go together in the next one. Under load this
 * turns many short transactions that queue on one lock into a few longer ones: one commit instead
 * of hundreds. `work` answers each item of the batch in order; if it throws, every item fails.
 */
export function keyedBatches<I, R>(
	work: (key: string, items: I[]) => Promise<ItemOutcome<R>[]>,
	maxBatch: number
): (key: string, item: I) => Promise<R> {
	const queues = new Map<string, Waiting<I, R>[]>();

	async function drain(key: string, queue: Waiting<I, R>[]) {
		while (queue.length > 0) {
			const batch = queue.splice(0, maxBatch);
			try {
				const outcomes = await work(
					key,
					batch.map((w) => w.item)
				);
				batch.forEach((waiting, i) => {
					const outcome = outcomes[i];
					if (!outcome) waiting.fail(new Error('The batch gave no answer for this item.'));
					else if (outcome.ok) waiting.done(outcome.value);
					else waiting.fail(outcome.error);
				});
			} catch (error) {
				for (const waiting of batch) waiting.fail(error);
			}
		}
		queues.delete(key);
	}

	return (key, item) =>
		new Promise<R>((done, fail) => {
			const queue = queues.get(key);
			if (queue) {
				queue.push({ item, done, fail });
				return;
			}
			const fresh = [{ item, done, fail }];
			queues.set(key, fresh);
			void drain(key, fresh);
		});
}
