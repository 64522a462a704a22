/**
 * Stripe's request encoding: `application/x-www-form-urlencoded` with bracket notation for nesting
 * (`metadata[a]=b`, `line_items[0][price]=p`, `expand[]=x`). Objects whose keys are all indices
 * become arrays, as the real API reads them.
 */
export type FormValue = string | FormValue[] | FormObject;
export interface FormObject {
	[key: string]: FormValue;
}

/** An error in Stripe's shape, thrown anywhere in a request and answered as JSON. */
export class StripeApiError extends Error {
	constructor(
		readonly status: number,
		readonly type: string,
		message: string,
		readonly code?: string,
		readonly param?: string
	) {
		super(message);
	}

	body(): { error: Record<string, string> } {
		const error: Record<string, string> = { type: this.type, message: this.message };
		if (this.code) error.code = this.code;
		if (this.param) error.param = this.param;
		if (this.code)
			error.doc_url = `https://docs.stripe.com/error-codes/${this.code.replace(/_/g, '-')}`;
		return { error };
	}
}

/** A 400 invalid_request_error; one about a parameter carries its name and a code. */
export function invalid(message: string, param?: string, code?: string): StripeApiError {
	const withCode = code ?? (param ? 'parameter_invalid' : undefined);
	return new StripeApiError(400, 'invalid_request_error', message, withCode, param);
}

function decode(text: string): string {
	try {
		return decodeURIComponent(text.replace(/\+/g, ' '));
	} catch {
		throw invalid(`Invalid URL encoding: ${text.slice(0, 40)}`);
	}
}

function keyPath(key: string): string[] {
	const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(key);
	if (!match?.[1]) throw invalid(`Invalid parameter name: ${key}`);
	return [match[1], ...[...(match[2] ?? '').matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1] ?? '')];
}

function assign(root: FormObject, path: string[], value: string): void {
	let node = root;
	const name = path[0] ?? '';
	for (let i = 0; i < path.length; i++) {
		const segment = path[i] || String(Object.keys(node).length);
		const existing = node[segment];
		if (i === path.length - 1) {
			if (existing !== undefined && typeof existing !== 'string') {
				throw invalid(`Invalid ${name}: mixes a value and nested fields`, name);
			}
			node[segment] = value;
			return;
		}
		if (existing === undefined) {
			const child: FormObject = {};
			node[segment] = child;
			node = child;
		} else if (typeof existing === 'string' || Array.isArray(existing)) {
			throw invalid(`Invalid ${name}: mixes a value and nested fields`, name);
		} else {
			node = existing;
		}
	}
}

function withArrays(value: FormValue): FormValue {
	if (typeof value === 'string' || Array.isArray(value)) return value;
	const keys = Object.keys(value);
	if (keys.length > 0 && keys.every((k) => /^\d+$/.test(k))) {
		return keys
			.map(Number)
			.sort((a, b) => a - b)
			.map((k) => withArrays(value[String(k)] ?? ''));
	}
	const out: FormObject = {};
	for (const [key, child] of Object.entries(value)) out[key] = withArrays(child);
	return out;
}

export function parseForm(text: string): FormObject {
	const root: FormObject = {};
	for (const pair of text.split('&')) {
		if (!pair) continue;
		const eq = pair.indexOf('=');
		const key = decode(eq === -1 ? pair : pair.slice(0, eq));
		assign(root, keyPath(key), decode(eq === -1 ? '' : pair.slice(eq + 1)));
	}
	const parsed = withArrays(root);
	return typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : {};
}

/** Reads typed parameters of one request body, answering Stripe's errors for wrong ones. */
export class Params {
	constructor(
		readonly values: FormObject,
		private readonly prefix = ''
	) {}

	private name(key: string): string {
		return this.prefix ? `${this.prefix}[${key}]` : key;
	}

	has(key: string): boolean {
		return this.values[key] !== undefined;
	}

	/** Rejects top-level keys the endpoint does not know, like Stripe does. */
	only(allowed: readonly string[]): this {
		for (const key of Object.keys(this.values)) {
			if (key !== 'expand' && !allowed.includes(key)) {
				throw invalid(
					`Received unknown parameter: ${this.name(key)}`,
					this.name(key),
					'parameter_unknown'
				);
			}
		}
		return this;
	}

	string(key: string): string | undefined {
		const value = this.values[key];
		if (value === undefined) return undefined;
		if (typeof value !== 'string')
			throw invalid(`Invalid ${this.name(key)}: must be a string`, this.name(key));
		return value;
	}

	required(key: string): string {
		const value = this.string(key);
		if (value === undefined || value === '') {
			throw invalid(
				`Missing required param: ${this.name(key)}.`,
				this.name(key),
				'parameter_missing'
			);
		}
		return value;
	}

	oneOf<T extends string>(key: string, choices: readonly T[]): T | undefined {
		const value = this.string(key);
		if (value === undefined) return undefined;
		const found = choices.find((c) => c === value);
		if (!found)
			throw invalid(
				`Invalid ${this.name(key)}: must be one of ${choices.join(', ')}`,
				this.name(key)
			);
		return found;
	}

	integer(key: string): number | undefined {
		const value = this.string(key);
		if (value === undefined) return undefined;
		if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
			throw invalid(`Invalid integer: ${value}`, this.name(key), 'parameter_invalid_integer');
		}
		return Number(value);
	}

	decimal(key: string): number | undefined {
		const value = this.string(key);
		if (value === undefined) return undefined;
		if (!/^\d+(\.\d+)?$/.test(value)) throw invalid(`Invalid decimal: ${value}`, this.name(key));
		return Number(value);
	}

	boolean(key: string): boolean | undefined {
		const value = this.string(key);
		if (value === undefined) return undefined;
		if (value !== 'true' && value !== 'false')
			throw invalid(`Invalid boolean: ${value}`, this.name(key));
		return value === 'true';
	}

	object(key: string): Params | undefined {
		const value = this.values[key];
		if (value === undefined || value === '') return undefined;
		if (typeof value === 'string' || Array.isArray(value)) {
			throw invalid(`Invalid ${this.name(key)}: must be an object`, this.name(key));
		}
		return new Params(value, this.name(key));
	}

	list(key: string): Params[] {
		const value = this.values[key];
		if (value === undefined) return [];
		if (!Array.isArray(value)) throw invalid(`Invalid array`, this.name(key));
		return value.map((item, i) => {
			if (typeof item === 'string' || Array.isArray(item)) {
				throw invalid(
					`Invalid ${this.name(key)}[${i}]: must be an object`,
					`${this.name(key)}[${i}]`
				);
			}
			return new Params(item, `${this.name(key)}[${i}]`);
		});
	}

	strings(key: string): string[] {
		const value = this.values[key];
		if (value === undefined) return [];
		const list = Array.isArray(value) ? value : [value];
		return list.map((item) => {
			if (typeof item !== 'string') throw invalid(`Invalid array`, this.name(key));
			return item;
		});
	}

	/**
	 * Metadata as Stripe merges it: `metadata[k]=` removes k, `metadata=` removes every key.
	 */
	metadata(current: Record<string, string> = {}): Record<string, string> {
		const value = this.values.metadata;
		if (value === undefined) return { ...current };
		if (value === '') return {};
		if (typeof value === 'string' || Array.isArray(value)) {
			throw invalid('Invalid object', this.name('metadata'));
		}
		const next = { ...current };
		for (const [key, v] of Object.entries(value)) {
			if (typeof v !== 'string') throw invalid('Invalid object', this.name(`metadata`));
			if (key.length > 40)
				throw invalid('Metadata keys can have at most 40 characters', this.name('metadata'));
			if (v.length > 500)
				throw invalid('Metadata values can have at most 500 characters', this.name('metadata'));
			if (v === '') delete next[key];
			else next[key] = v;
		}
		if (Object.keys(next).length > 50)
			throw invalid('Metadata can have at most 50 keys', this.name('metadata'));
		return next;
	}
}
