import { createContext, Script } from 'node:vm';

/** Thrown by `runWithin` when the work ran out of time. */
export class OutOfTime extends Error {
	constructor(readonly limitMs: number) {
		super(`Stopped after ${limitMs} ms`);
	}
}

const context = createContext({});
const callWork = new Script('work()');

/**
 * Runs synchronous `work` and stops it after `limitMs`, wherever it is: Node's vm ends any
 * JavaScript that runs past a script's timeout, a library's loops included, and no catch or
 * finally of the work runs. For work on untrusted input whose cost nothing else can bound; it
 * holds the thread until then, so the limit is a few seconds at most.
 */
export function runWithin<T>(limitMs: number, work: () => T): T {
	context.work = work;
	try {
		return callWork.runInContext(context, { timeout: limitMs }) as T;
	} catch (error) {
		if ((error as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
			throw new OutOfTime(limitMs);
		}
		throw error;
	} finally {
		context.work = undefined;
	}
}
