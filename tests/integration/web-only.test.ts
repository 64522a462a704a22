import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db';
import { queueEmail } from '../../src/lib/server/email/deliveries';
import { JOB_SCHEMA, QUEUES } from '../../src/lib/server/jobs/queues';
import { installJobs } from '../../src/lib/server/jobs/worker';
import { useTestDatabase } from './support/database';

let db: Database;
let url: string;
beforeAll(async () => {
	({ db, url } = await useTestDatabase());
});

describe('an app instance without a worker (WORKER_IN_APP=false)', () => {
	it('installs the job queues, so the email it queues gets its job for the workers elsewhere', async () => {
		await installJobs(url);
		const id = await queueEmail(db, {
			key: 'web-only:1',
			purpose: 'password-changed',
			email: { to: 'someone@example.com', subject: 'Hello', text: 'Hello', html: '<p>Hello</p>' }
		});
		const jobs = await db.execute<{ name: string; state: string }>(
			sql`select name, state from ${sql.identifier(JOB_SCHEMA)}.job where id = ${id}::uuid`
		);
		expect([...jobs]).toEqual([{ name: QUEUES.emailSend, state: 'created' }]);
	});
});
