import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import type { RequestHandler } from './$types';
import { createContext } from '$lib/server/trpc/context';
import { appRouter, logUnexpected } from '$lib/server/trpc/router';

const handler: RequestHandler = (event) =>
	fetchRequestHandler({
		endpoint: '/api/trpc',
		req: event.request,
		router: appRouter,
		createContext: () => createContext(event),
		onError: logUnexpected
	});

export const GET = handler;
export const POST = handler;
