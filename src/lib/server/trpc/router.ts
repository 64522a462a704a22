import { accountRouter } from '../account/router';
import { clientsRouter } from '../clients/router';
import { dashboardRouter } from '../dashboard/router';
import { notesRouter } from '../notes/router';
import { sessionsRouter } from '../sessions/router';
import { createCallerFactory, router } from './init';
import { createContext } from './context';
import type { RequestEvent } from '@sveltejs/kit';

export const appRouter = router({
	account: accountRouter,
	clients: clientsRouter,
	sessions: sessionsRouter,
	notes: notesRouter,
	dashboard: dashboardRouter
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);

/** The same procedures the browser calls over HTTP, for loads and form actions. */
export function serverCaller(event: RequestEvent) {
	return createCaller(createContext(event));
}
