import { error } from '@sveltejs/kit';
import { desc } from 'drizzle-orm';
import type { PageServerLoad } from './$types';
import { config } from '$lib/server/config';
import { getDb } from '$lib/server/db';
import { outboxEmails } from '$lib/server/db/schema';
import { usesOutbox } from '$lib/server/email/mailer';

/** A developer's inbox: only while no SMTP server is configured, and never in production. */
export const load: PageServerLoad = async () => {
	if (!usesOutbox() || config().production) error(404, 'Not found');
	const emails = await getDb()
		.select()
		.from(outboxEmails)
		.orderBy(desc(outboxEmails.createdAt))
		.limit(100);
	return { emails };
};
