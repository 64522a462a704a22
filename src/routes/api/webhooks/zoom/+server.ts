import { json } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { receiveZoomWebhook } from '$lib/server/integrations/zoom/webhooks';
import { clientOf } from '$lib/server/trpc/context';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = async (event) => {
	const { request } = event;
	const { status, body } = await receiveZoomWebhook(
		getDb(),
		await request.text(),
		{
			signature: request.headers.get('x-zm-signature'),
			timestamp: request.headers.get('x-zm-request-timestamp')
		},
		clientOf(event)
	);
	return json(body, { status });
};
