import { createTRPCClient, httpLink } from '@trpc/client';
import { AUTH_COOKIE } from '../../../src/lib/server/auth/session';
import type { AppRouter } from '../../../src/lib/server/trpc/router';
import { wireFormat } from '../../../src/lib/wire-format';
import type { Instance } from './instance';

/**
 * The app's procedures over HTTP on `instance`, as a page of it calls them, signed in with the
 * auth-session `token` when given. One request per call, so each write has an answer of its own.
 */
export function apiOn(instance: Instance, token?: string | null) {
	return createTRPCClient<AppRouter>({
		links: [
			httpLink({
				url: `${instance.origin}/api/trpc`,
				transformer: wireFormat,
				headers: {
					origin: instance.origin,
					...(token ? { cookie: `${AUTH_COOKIE}=${token}` } : {})
				}
			})
		]
	});
}
