import { z } from 'zod';
import type { Client } from '../../auth/session';
import type { Db } from '../../db';
import { urlValidationAnswer, webhookSignatureValid } from './client';
import { announceZoom, forgetZoomUser } from './connection';

const event = z.object({
	event: z.string(),
	payload: z.record(z.string(), z.unknown()).optional()
});
const urlValidation = z.object({ plainToken: z.string().min(1).max(200) });
const deauthorized = z.object({ user_id: z.string().min(1).max(200) });

/**
 * A webhook from Zoom. The signature over the raw body is checked before anything is read from
 * it; a forged or stale one changes nothing. `app_deauthorized` forgets the connections made with
 * that Zoom user (again and again if sent again); other events are not asked for and are ignored.
 */
export async function receiveZoomWebhook(
	db: Db,
	rawBody: string,
	headers: { signature: string | null; timestamp: string | null },
	client: Client
): Promise<{ status: number; body: unknown }> {
	if (!webhookSignatureValid(rawBody, headers.signature, headers.timestamp)) {
		return { status: 400, body: { error: 'Signature refused' } };
	}
	let parsed: z.infer<typeof event>;
	try {
		parsed = event.parse(JSON.parse(rawBody));
	} catch {
		return { status: 400, body: { error: 'Not a Zoom event' } };
	}
	if (parsed.event === 'endpoint.url_validation') {
		const payload = urlValidation.safeParse(parsed.payload);
		if (!payload.success) return { status: 400, body: { error: 'No plainToken' } };
		return { status: 200, body: urlValidationAnswer(payload.data.plainToken) };
	}
	if (parsed.event === 'app_deauthorized') {
		const payload = deauthorized.safeParse(parsed.payload);
		if (!payload.success) return { status: 400, body: { error: 'No user_id' } };
		const userIds = await forgetZoomUser(db, payload.data.user_id, client);
		for (const userId of userIds) announceZoom(userId);
		return { status: 200, body: { received: true } };
	}
	return { status: 200, body: { received: true } };
}
