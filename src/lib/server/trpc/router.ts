import { error, redirect, type RequestEvent } from '@sveltejs/kit';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { accountRouter } from '../account/router';
import { accountDataRouter } from '../account-data/router';
import { statementsRouter } from '../billing/statements-router';
import { retryAfterHeader } from '../auth/rate-limit';
import { billingRouter } from '../billing/router';
import { calendarRouter } from '../calendar/router';
import { calendarGridRouter } from '../calendar/grid-router';
import { clientsRouter } from '../clients/router';
import { dashboardRouter } from '../dashboard/router';
import { exportsRouter } from '../exports/router';
import { importsRouter } from '../imports/router';
import { meetingsRouter } from '../integrations/zoom/meetings-router';
import { zoomRouter } from '../integrations/zoom/router';
import { notesRouter } from '../notes/router';
import { paymentsRouter } from '../payments/router';
import { practiceRouter } from '../practice/router';
import { signInAddress } from '../redirects';
import { seriesRouter } from '../series/router';
import { sessionsRouter } from '../sessions/router';
import { subscribersRouter } from '../subscribers/router';
import { reportedStandIn, reportUnexpected } from '../unexpected';
import { createContext } from './context';
import { createCallerFactory, router, SignInRequired } from './init';

export const appRouter = router({
	account: accountRouter,
	accountData: accountDataRouter,
	clients: clientsRouter,
	sessions: sessionsRouter,
	notes: notesRouter,
	dashboard: dashboardRouter,
	series: seriesRouter,
	subscribers: subscribersRouter,
	practice: practiceRouter,
	statements: statementsRouter,
	billing: billingRouter,
	imports: importsRouter,
	exports: exportsRouter,
	calendar: calendarRouter,
	calendarGrid: calendarGridRouter,
	payments: paymentsRouter,
	meetings: meetingsRouter,
	zoom: zoomRouter
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);

/**
 * Logs what went wrong on our side, however the procedure was called: over HTTP or from a page's
 * load or form action, where the user sees only a reference to it. Refusals (bad input, not
 * found, rate limits) are answers, not failures, and are not logged.
 */
export function logUnexpected({ error, path }: { error: TRPCError; path?: string }) {
	if (error.code === 'INTERNAL_SERVER_ERROR') reportUnexpected(error, `tRPC ${path ?? '?'}`);
}

/**
 * Errors that mean "this page is not for you": SvelteKit shows its 404 or 403 page. For a page's
 * load, an address whose id is not an id at all (BAD_REQUEST) is not found either; in a form
 * action BAD_REQUEST and the rest stay TRPCErrors, shown beside the form's fields.
 */
const PAGE_ERRORS = new Set(['NOT_FOUND', 'FORBIDDEN']);
const LOAD_ERRORS = new Set([...PAGE_ERRORS, 'BAD_REQUEST']);

function asPageErrors<T extends object>(target: T, pageErrors: Set<string>, url: URL): T {
	return new Proxy(target, {
		get: (object, property) => {
			const value: unknown = Reflect.get(object, property);
			return typeof value === 'function' ? asPageErrors(value, pageErrors, url) : value;
		},
		apply: (fn, self, args) =>
			Promise.resolve(Reflect.apply(fn as (...a: unknown[]) => unknown, self, args)).catch(
				(cause: unknown) => {
					if (!(cause instanceof TRPCError)) throw cause;
					// Not a TRPCError any more: forms show a TRPCError's message beside their fields.
					if (cause.code === 'INTERNAL_SERVER_ERROR') throw reportedStandIn(cause, 'tRPC');
					// A form sent after the sign-in ended (its page was open, or it came from elsewhere).
					if (cause.cause instanceof SignInRequired) redirect(303, signInAddress(url));
					if (pageErrors.has(cause.code)) {
						if (cause.code === 'BAD_REQUEST') error(404, 'Not found');
						error(getHTTPStatusCodeFromError(cause), cause.message);
					}
					throw cause;
				}
			)
	});
}

/**
 * The same procedures the browser calls over HTTP, for loads and form actions. Missing or foreign
 * records become SvelteKit's 404 page; other refusals stay TRPCErrors for forms to show, and a
 * rate limit's page says when to come back; failures on our side reach SvelteKit's handleError,
 * which shows only their reference.
 */
export function serverCaller(event: RequestEvent) {
	const forLoad = event.request.method === 'GET' || event.request.method === 'HEAD';
	const onError = (failed: { error: TRPCError; path?: string }) => {
		logUnexpected(failed);
		event.setHeaders(retryAfterHeader([failed.error]));
	};
	return asPageErrors(
		createCaller(createContext(event), { onError }),
		forLoad ? LOAD_ERRORS : PAGE_ERRORS,
		event.url
	);
}
