import { accountRouter } from '../account/router';
import { createCallerFactory, router } from './init';
import { createContext } from './context';
import type { RequestEvent } from '@sveltejs/kit';

export const appRouter = router({
	account: accountRouter
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);

/** The same procedures the browser calls over HTTP, for loads and form actions. */
export function serverCaller(event: RequestEvent) {
	return createCaller(createContext(event));
}
