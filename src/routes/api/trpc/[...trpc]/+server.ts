import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import type { RequestHandler } from './$types';
import { MAX_BATCH_SIZE } from '$lib/batch-size';
import { retryAfterHeader } from '$lib/server/auth/rate-limit';
import { createContext } from '$lib/server/trpc/context';
import { appRouter, logUnexpected } from '$lib/server/trpc/router';

const handler: RequestHandler = (event) =>
	fetchRequestHandler({
		endpoint: '/api/trpc',
		req: event.request,
		router: appRouter,
		maxBatchSize: MAX_BATCH_SIZE,
		createContext: () => createContext(event),
		onError: logUnexpected,
		responseMeta: ({ errors }) => ({ headers: retryAfterHeader(errors) })
	});

export const GET = handler;
export const POST = handler;
