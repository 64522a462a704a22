import { describe, expect, it } from 'vitest';
import { afterFailure, defaultPolicy, isRefusal } from './deliveries';

const DAY = 24 * 60 * 60;

/** The production schedule followed attempt by attempt: when each one happens, and whether it was the last. */
function schedule(refused: boolean, until: number) {
	const attemptsAt: number[] = [0];
	for (;;) {
		const attempts = attemptsAt.length;
		const queuedForSeconds = attemptsAt.at(-1)!;
		const next = afterFailure(defaultPolicy, { attempts, queuedForSeconds, refused });
		if (next.giveUp || queuedForSeconds > until) return { attemptsAt, gaveUp: next.giveUp };
		attemptsAt.push(queuedForSeconds + next.retryInSeconds);
	}
}

describe('the production retry schedule', () => {
	it('keeps trying a server it cannot reach for more than a day, never more than a minute or so apart', () => {
		const { attemptsAt, gaveUp } = schedule(false, DAY);
		expect(gaveUp).toBe(false);
		expect(attemptsAt.at(-1)).toBeGreaterThan(DAY);
		const gaps = attemptsAt.slice(1).map((at, i) => at - attemptsAt[i]!);
		expect(Math.max(...gaps)).toBeLessThanOrEqual(60);
		expect(gaps.slice(0, 3)).toEqual([10, 20, 40]);
	});

	it('does give up on a server it cannot reach in the end', () => {
		const { attemptsAt, gaveUp } = schedule(false, 30 * DAY);
		expect(gaveUp).toBe(true);
		expect(attemptsAt.at(-1)).toBeLessThan(3 * DAY);
	});

	it('gives up on an email the server refuses for good after five attempts, within minutes', () => {
		const { attemptsAt, gaveUp } = schedule(true, DAY);
		expect(gaveUp).toBe(true);
		expect(attemptsAt).toHaveLength(5);
		expect(attemptsAt.at(-1)).toBeLessThan(5 * 60);
	});
});

describe('a failed send', () => {
	it('may pass later only when the server answered 4xx or could not be reached', () => {
		const failure = (fields: object) => Object.assign(new Error('failed'), fields);
		expect(isRefusal(failure({ responseCode: 451 }))).toBe(false);
		expect(isRefusal(failure({ code: 'ESOCKET' }))).toBe(false);
		expect(isRefusal(failure({ code: 'ECONNECTION' }))).toBe(false);
		expect(isRefusal(failure({ code: 'ETIMEDOUT' }))).toBe(false);
		expect(isRefusal(failure({ code: 'EENVELOPE', responseCode: 550 }))).toBe(true);
		expect(isRefusal(failure({ code: 'EMESSAGE' }))).toBe(true);
		expect(isRefusal(new TypeError('a bug'))).toBe(true);
	});
});
