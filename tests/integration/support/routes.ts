import { isActionFailure, isHttpError, isRedirect, type RequestEvent } from '@sveltejs/kit';
import type { SessionUser } from '../../../src/lib/server/auth/session';
import type { AuthSession } from '../../../src/lib/server/db/schema';
import { ORIGIN } from './browser';

let visitors = 0;

/**
 * What SvelteKit hands a page's load or action for one request, as a visitor from an address of
 * their own (so that rate limits per address do not couple requests): the URL with its query,
 * the route's parameters, a form's fields, and who is signed in.
 */
export function requestEvent({
	path,
	params = {},
	form,
	signedIn
}: {
	path: string;
	params?: Record<string, string>;
	form?: Record<string, string>;
	signedIn?: { user: SessionUser; authSession: AuthSession };
}): RequestEvent {
	visitors += 1;
	const url = new URL(path, ORIGIN);
	const body = new FormData();
	for (const [name, value] of Object.entries(form ?? {})) body.append(name, value);
	const request = new Request(url, form ? { method: 'POST', body } : {});
	const cookies = new Map<string, string>();
	const ip = `198.51.${Math.floor(visitors / 250) % 250}.${visitors % 250}`;
	// Only the parts of RequestEvent our loads and actions read; the rest is SvelteKit's routing.
	return {
		request,
		url,
		params,
		route: { id: null },
		locals: { user: signedIn?.user ?? null, authSession: signedIn?.authSession ?? null },
		cookies: {
			get: (name: string) => cookies.get(name),
			getAll: () => [...cookies].map(([name, value]) => ({ name, value })),
			set: (name: string, value: string) => void cookies.set(name, value),
			delete: (name: string) => void cookies.delete(name),
			serialize: () => ''
		},
		getClientAddress: () => ip,
		setHeaders: () => {},
		depends: () => {},
		untrack: <T>(fn: () => T) => fn(),
		parent: async () => ({}),
		fetch,
		platform: undefined,
		isDataRequest: false,
		isSubRequest: false
	} as unknown as RequestEvent;
}

export type Answer = { status: number; data?: unknown; location?: string; error?: unknown };

/**
 * The status SvelteKit answers with for what a load or action returned or threw: a failure's
 * status, a redirect's, an HTTP error's, and 500 for anything else thrown.
 */
export async function answerOf(run: () => unknown): Promise<Answer> {
	try {
		const value = await run();
		if (isActionFailure(value)) return { status: value.status, data: value.data };
		return { status: 200, data: value };
	} catch (error) {
		if (isRedirect(error)) {
			// SvelteKit sends the location as a header; one no header can hold becomes a 500.
			try {
				new Headers({ location: error.location });
			} catch (invalid) {
				return { status: 500, error: invalid };
			}
			return { status: error.status, location: error.location };
		}
		if (isHttpError(error)) return { status: error.status, data: error.body };
		return { status: 500, error };
	}
}
