import { describe, expect, it } from 'vitest';
import { wireFormat } from './wire-format';

/** Serialised, sent as JSON text, parsed and deserialised: the whole trip a value makes. */
const trip = (value: unknown) =>
	wireFormat.deserialize(JSON.parse(JSON.stringify(wireFormat.serialize(value)) ?? 'null'));

describe('wireFormat', () => {
	it('brings Dates back as Dates, wherever they are', () => {
		const startsAt = new Date('2026-03-29T16:00:00.000Z');
		const value = {
			items: [
				{ id: 'a', startsAt, tags: ['x'], paidAt: null, nested: { at: [startsAt] } },
				{ id: 'b', startsAt: new Date(0), note: 'a "quoted" 2026-03-29T16:00:00.000Z' }
			],
			nextCursor: null,
			total: 3
		};
		const back = trip(value) as typeof value;
		expect(back).toEqual(value);
		expect(back.items[0]!.startsAt).toBeInstanceOf(Date);
		expect(back.items[0]!.nested!.at[0]).toBeInstanceOf(Date);
		// A string that looks like a date stays a string.
		expect(typeof back.items[1]!.note).toBe('string');
	});

	it('carries a Date on its own, nothing, and undefined as JSON does', () => {
		const at = new Date('2026-11-23T10:00:00.000Z');
		expect(trip(at)).toEqual(at);
		expect(trip(undefined)).toBeUndefined();
		expect(trip({ a: undefined, b: [undefined, 1] })).toEqual({ b: [null, 1] });
	});

	it('sends a message without dates as plain JSON', () => {
		expect(wireFormat.serialize({ q: 'ann', limit: 50 })).toEqual({
			json: { q: 'ann', limit: 50 }
		});
	});

	it('refuses what it could not bring back unchanged', () => {
		expect(() => wireFormat.serialize({ m: new Map() })).toThrow('Cannot send a Map at m');
		expect(() => wireFormat.serialize({ n: [1n] })).toThrow('Cannot send a bigint at n.0');
	});

	it('rejects date lists that point anywhere but at a string of the message', () => {
		for (const dates of [
			[['__proto__', 'polluted']],
			[['constructor', 'prototype', 'polluted']],
			[['missing']],
			[['n']],
			'not a list',
			[[{ key: 1 }]]
		]) {
			expect(() => wireFormat.deserialize({ json: { n: 1, s: 'x' }, dates })).toThrow(TypeError);
		}
		expect(({} as Record<string, unknown>).polluted).toBeUndefined();
		const parsed = JSON.parse(
			'{"json":{"__proto__":{"x":"2026-01-01T00:00:00Z"}},"dates":[["__proto__","x"]]}'
		);
		expect(() => wireFormat.deserialize(parsed)).toThrow(TypeError);
	});
});
