const FORM_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];

/**
 * SvelteKit's own origin check, re-done here so one path can be let through: the RFC 8058
 * one-click unsubscribe, which mail providers POST from their servers without an Origin header.
 * Its signed token is its whole authority, and it only turns emails off.
 */
export function forbiddenCrossSitePost(request: Request, url: URL, local = false): boolean {
	if (['GET', 'HEAD', 'OPTIONS'].includes(request.method)) return false;
	const type = request.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase() ?? '';
	if (!FORM_TYPES.includes(type)) return false;
	const origin = request.headers.get('origin');
	if (origin === url.origin) return false;
	// Without a public address the app serves plain HTTP at any address of its machine, while its
	// url says localhost: a page at http://192.168.1.5:3000 posts to that same address. A page on
	// another site cannot make the browser send another Host than the address it posts to.
	if (local && origin === `http://${request.headers.get('host')}`) return false;
	return !url.pathname.startsWith('/u/');
}
