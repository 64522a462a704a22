import { error } from '@sveltejs/kit';
import { TRPCError } from '@trpc/server';
import type { RequestHandler } from './$types';
import { retryAfterSeconds } from '$lib/server/auth/rate-limit';
import { serverCaller } from '$lib/server/trpc/router';
import { reportUnexpected } from '$lib/server/unexpected';

/** Everything the account owns as one ZIP, sent while it is made (see accountData.export). */
export const POST: RequestHandler = async (event) => {
	const { filename, archive } = await serverCaller(event)
		.accountData.export()
		.catch((cause: unknown) => {
			// Its Retry-After is set already (see serverCaller).
			if (cause instanceof TRPCError && retryAfterSeconds(cause) !== null) {
				error(429, cause.message);
			}
			throw cause;
		});
	const chunks = archive[Symbol.asyncIterator]();
	const body = new ReadableStream<Uint8Array>({
		async pull(controller) {
			try {
				const next = await chunks.next();
				if (next.done) controller.close();
				else controller.enqueue(next.value);
			} catch (error) {
				// The headers are sent: the download breaks off, and the log says why.
				reportUnexpected(error, 'data export');
				controller.error(error);
			}
		},
		async cancel() {
			await chunks.return?.();
		}
	});
	return new Response(body, {
		headers: {
			'content-type': 'application/zip',
			'content-disposition': `attachment; filename="${filename}"`,
			'cache-control': 'no-store'
		}
	});
};
