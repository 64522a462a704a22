const FORM_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];

/**
 * SvelteKit's own origin check, re-done here so one path can be let through: the RFC 8058
 * one-click unsubscribe, which mail providers POST from their servers without an Origin header.
 * Its signed token is its whole authority, and it only turns emails off.
 */
export function forbiddenCrossSitePost(request: Request, url: URL): boolean {
	if (['GET', 'HEAD', 'OPTIONS'].includes(request.method)) return false;
	const type = request.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase() ?? '';
	if (!FORM_TYPES.includes(type)) return false;
	if (request.headers.get('origin') === url.origin) return false;
	return !url.pathname.startsWith('/u/');
}
