import { error, redirect } from '@sveltejs/kit';
import { desc } from 'drizzle-orm';
import type { PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { outboxEmails } from '$lib/server/db/schema';
import { isOutboxKey, OUTBOX_COOKIE, OUTBOX_PATH } from '$lib/server/email/outbox-access';
import { usesOutbox } from '$lib/server/email/mailer';

/**
 * A developer's inbox: only while no SMTP server is configured, and only for whoever started the
 * app (see outbox-access.ts). The key in the address moves into a cookie, and the address loses
 * it, so it stays out of the history and of Referer headers.
 */
export const load: PageServerLoad = async ({ url, cookies, setHeaders }) => {
	if (!usesOutbox()) error(404, 'Not found');
	const presented = url.searchParams.get('key');
	if (presented !== null && isOutboxKey(presented)) {
		cookies.set(OUTBOX_COOKIE, presented, {
			path: OUTBOX_PATH,
			httpOnly: true,
			sameSite: 'strict',
			secure: url.protocol === 'https:'
		});
		redirect(303, OUTBOX_PATH);
	}
	if (!isOutboxKey(cookies.get(OUTBOX_COOKIE))) {
		error(403, 'Open the local outbox at the address the app printed when it started.');
	}
	setHeaders({ 'cache-control': 'private, no-store' });
	const emails = await getDb()
		.select()
		.from(outboxEmails)
		.orderBy(desc(outboxEmails.createdAt))
		.limit(100);
	return { emails };
};
