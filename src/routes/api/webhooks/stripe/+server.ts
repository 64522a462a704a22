import { text } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { receiveStripeWebhook } from '$lib/server/payments/webhooks';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = async ({ request }) => {
	const { status, message } = await receiveStripeWebhook(
		getDb(),
		await request.text(),
		request.headers.get('stripe-signature')
	);
	return text(message, { status });
};
