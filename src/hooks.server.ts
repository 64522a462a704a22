import { json, text, type Handle, type HandleServerError, type ServerInit } from '@sveltejs/kit';
import { config } from '$lib/server/config';
import { forbiddenCrossSitePost } from '$lib/server/csrf';
import { AUTH_COOKIE, validateAuthSessionToken } from '$lib/server/auth/session';
import { getDb } from '$lib/server/db';
import { prepareDatabase } from '$lib/server/db/prepare';
import { authCookieFor, clientOf } from '$lib/server/trpc/context';
import { reportUnexpected, unexpectedMessage } from '$lib/server/unexpected';
import { THEME_PLACEHOLDER, themeAttribute } from '$lib/theme';

/** The Vite plugin and the production entry prepare the database first; `node build` alone does it here. */
export const init: ServerInit = async () => {
	if (!process.env.DATABASE_URL) await prepareDatabase();
};

const securityHeaders: Record<string, string> = {
	'referrer-policy': 'strict-origin-when-cross-origin',
	'x-content-type-options': 'nosniff',
	'x-frame-options': 'DENY',
	'cross-origin-opener-policy': 'same-origin',
	'permissions-policy': 'camera=(), microphone=(), geolocation=(), interest-cohort=()'
};

/**
 * adapter-node's default body limit, for every route but the imports: the CSV files and the .ics
 * file (ICS_MAX_CHARS), which the raised limit of src/server.ts takes.
 */
const BODY_LIMIT = 512 * 1024;
const LARGE_BODY_ROUTES = new Set([
	'/(app)/clients/import',
	'/(app)/sessions/import',
	'/(app)/settings/calendar'
]);

/**
 * Refuses a body over BODY_LIMIT before anything reads it. A body sent in chunks, without a
 * length, could only be measured while it is read, so it is refused: the app's forms and fetches
 * (tRPC, form actions) always send a length, and socket.io is served before this hook.
 */
function refusedBody(request: Request, routeId: string | null): Response | undefined {
	if (LARGE_BODY_ROUTES.has(routeId ?? '')) return;
	const length = request.headers.get('content-length');
	// The body is left unread: the connection cannot carry another request after it.
	const headers = { connection: 'close' };
	if (request.headers.has('transfer-encoding') || (length !== null && !/^\d+$/.test(length))) {
		return text('Send this request with a Content-Length.', { status: 411, headers });
	}
	if (Number(length ?? 0) > BODY_LIMIT) {
		return text('This request is too large.', { status: 413, headers });
	}
}

/**
 * A form whose answer sends the browser on to Stripe's hosted pages (Checkout, onboarding, the
 * customer portal), to Zoom's sign-in or to Google's must be allowed by the CSP's form-action,
 * which lists their own hosts (svelte.config.js). A stand-in configured through STRIPE_API_URL,
 * ZOOM_OAUTH_URL or GOOGLE_ISSUER (the tests' fakes) serves those pages from its own origin, known only at run
 * time: it is added to the directive here.
 */
function allowFormsToStandIns(response: Response): void {
	const { STRIPE_API_URL, ZOOM_OAUTH_URL, GOOGLE_ISSUER } = config();
	const standIns = [STRIPE_API_URL, ZOOM_OAUTH_URL, GOOGLE_ISSUER].flatMap((url) =>
		url ? [new URL(url).origin] : []
	);
	const policy = response.headers.get('content-security-policy');
	if (standIns.length === 0 || !policy) return;
	response.headers.set(
		'content-security-policy',
		policy.replace(/(^|;\s*)(form-action\b[^;]*)/, `$1$2 ${standIns.join(' ')}`)
	);
}

export const handle: Handle = async ({ event, resolve }) => {
	const refused = refusedBody(event.request, event.route.id);
	if (refused) return refused;
	if (forbiddenCrossSitePost(event.request, event.url, config().local)) {
		const from = event.request.headers.get('origin') ?? 'another site';
		const message = `This form was sent from ${from}, but Sessionboard runs at ${event.url.origin}. Open ${event.url.origin} and try again.`;
		// A form sent by the page's script parses an action result (JSON); text would break it.
		return event.request.headers.get('x-sveltekit-action') === 'true'
			? json({ type: 'error', error: { message } }, { status: 403 })
			: text(message, { status: 403 });
	}
	event.locals.user = null;
	event.locals.authSession = null;
	const token = event.cookies.get(AUTH_COOKIE);
	if (token) {
		const validated = await validateAuthSessionToken(getDb(), token, clientOf(event));
		const cookie = authCookieFor(event);
		if (validated) {
			event.locals.user = validated.user;
			event.locals.authSession = validated.session;
			// The cookie expires with the sign-in: it is sent again only when that moves.
			if (validated.renewed) cookie.set(token, validated.session.expiresAt);
		} else {
			cookie.clear();
		}
	}

	// The scheme chosen in Settings is in the page as it arrives, so it never flashes the device's first.
	const theme = themeAttribute(event.locals.user?.colorScheme);
	const response = await resolve(event, {
		transformPageChunk: ({ html }) => html.replace(THEME_PLACEHOLDER, theme)
	});
	allowFormsToStandIns(response);
	for (const [name, value] of Object.entries(securityHeaders)) {
		if (!response.headers.has(name)) response.headers.set(name, value);
	}
	// What a signed-in person sees, and every procedure's answer, is theirs alone: no shared cache
	// (a proxy, a CDN) may keep it, nor the browser once they have signed out.
	if (event.locals.user || event.route.id === '/api/trpc/[...trpc]') {
		response.headers.set('cache-control', 'private, no-store');
	}
	return response;
};

/** Unknown addresses and methods (4xx) keep SvelteKit's words; failures show only their reference. */
export const handleError: HandleServerError = ({ error, event, status, message }) => {
	if (status < 500) return { message };
	// The route, never the path: a path can carry a secret (the calendar feed's token).
	const where = `${event.request.method} ${event.route.id ?? '(no route)'}`;
	return { message: unexpectedMessage(reportUnexpected(error, where)) };
};
