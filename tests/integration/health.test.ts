import { beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../src/lib/server/db';
import { checkHealth } from '../../src/lib/server/health';
import { useTestDatabase } from './support/database';

let db: Database;
beforeAll(async () => {
	({ db } = await useTestDatabase());
});

describe('health check', () => {
	it('is ok while the database answers', async () => {
		expect(await checkHealth(db)).toEqual({ status: 'ok', db: 'ok' });
	});

	it('reports the database unreachable, promptly, when it is not there', async () => {
		const nowhere = createDatabase('postgres://postgres@127.0.0.1:1/none', { max: 1 });
		const started = Date.now();
		expect(await checkHealth(nowhere, 1000)).toEqual({ status: 'error', db: 'unreachable' });
		expect(Date.now() - started).toBeLessThan(5000);
		await nowhere.$client.end({ timeout: 0 });
	});
});
