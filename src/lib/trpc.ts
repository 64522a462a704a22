import { createTRPCClient, httpBatchLink } from '@trpc/client';
import { MAX_BATCH_SIZE } from '$lib/batch-size';
import { wireFormat } from '$lib/wire-format';
import type { AppRouter } from '$lib/server/trpc/router';

/** The browser's typed client for the same procedures that loads and actions call on the server. */
export const trpc = createTRPCClient<AppRouter>({
	links: [httpBatchLink({ url: '/api/trpc', transformer: wireFormat, maxItems: MAX_BATCH_SIZE })]
});
