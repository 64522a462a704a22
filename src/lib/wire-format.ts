import type { TRPCDataTransformer } from '@trpc/server';

/**
 * How procedure inputs and results cross HTTP: JSON, with every Date sent as its ISO string and
 * its place listed beside, so that it arrives a Date again. Our data is plain objects, arrays,
 * primitives and Dates; anything else is refused loudly instead of arriving changed. (A general
 * transformer such as superjson walks every value against every type it knows, which cost about
 * a tenth of the server's time per request.)
 */
type Key = string | number;
type Wire = { json: unknown; dates?: Key[][] };

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

const where = (path: Key[]) => path.join('.') || 'the top';

function toWire(value: unknown, path: Key[], dates: Key[][]): unknown {
	if (value === null || typeof value !== 'object') {
		if (typeof value === 'bigint' || typeof value === 'function' || typeof value === 'symbol') {
			throw new TypeError(`Cannot send a ${typeof value} at ${where(path)}`);
		}
		return value;
	}
	if (value instanceof Date) {
		dates.push([...path]);
		return value.toISOString();
	}
	if (Array.isArray(value)) {
		return value.map((item, index) => {
			path.push(index);
			const wire = toWire(item, path, dates);
			path.pop();
			return wire === undefined ? null : wire;
		});
	}
	const prototype = Object.getPrototypeOf(value) as unknown;
	if (prototype !== Object.prototype && prototype !== null) {
		throw new TypeError(`Cannot send a ${value.constructor.name} at ${where(path)}`);
	}
	const out: Record<string, unknown> = {};
	for (const key of Object.keys(value)) {
		path.push(key);
		const wire = toWire((value as Record<string, unknown>)[key], path, dates);
		path.pop();
		if (wire !== undefined) out[key] = wire;
	}
	return out;
}

function fromWire(wire: unknown): unknown {
	if (wire === undefined) return undefined;
	if (wire === null || typeof wire !== 'object') throw new TypeError('Not in the wire format');
	// JSON drops an undefined `json`: a procedure that returns nothing arrives as {}.
	if (!('json' in wire)) return undefined;
	const { json, dates = [] } = wire as Wire;
	if (!Array.isArray(dates)) throw new TypeError('Malformed date list');
	let root = json;
	for (const path of dates) {
		if (!Array.isArray(path)) throw new TypeError('Malformed date path');
		if (path.length === 0) {
			root = new Date(String(root));
			continue;
		}
		let holder = root;
		for (let i = 0; i < path.length; i++) {
			const key = path[i];
			if (
				holder === null ||
				typeof holder !== 'object' ||
				(typeof key !== 'string' && typeof key !== 'number') ||
				FORBIDDEN_KEYS.has(String(key)) ||
				!Object.hasOwn(holder, key)
			) {
				throw new TypeError('Malformed date path');
			}
			const record = holder as Record<Key, unknown>;
			if (i === path.length - 1) {
				if (typeof record[key] !== 'string') throw new TypeError('Malformed date');
				record[key] = new Date(record[key]);
			} else {
				holder = record[key];
			}
		}
	}
	return root;
}

export const wireFormat: TRPCDataTransformer = {
	serialize(value: unknown): Wire {
		const dates: Key[][] = [];
		const json = toWire(value, [], dates);
		return dates.length > 0 ? { json, dates } : { json };
	},
	deserialize: fromWire
};
