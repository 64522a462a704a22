import { eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db';
import { users } from '../../src/lib/server/db/schema';
import { DEMO_PRACTITIONER, seedDemoData } from '../../src/lib/server/seed';
import { TestBrowser } from './support/browser';
import { useTestDatabase } from './support/database';

let db: Database;
beforeAll(async () => {
	({ db } = await useTestDatabase());
});

describe('demo data', () => {
	it('creates one confirmed demo practitioner who can sign in with the printed password, also when run twice', async () => {
		await seedDemoData(db);
		const demo = await seedDemoData(db);
		const rows = await db
			.select()
			.from(users)
			.where(eq(sql`lower(${users.email})`, DEMO_PRACTITIONER.email));
		expect(rows).toHaveLength(1);
		expect(rows[0]?.emailVerifiedAt).toBeInstanceOf(Date);

		const browser = new TestBrowser(db);
		await (await browser.api()).account.signIn({ email: demo.email, password: demo.password });
		expect((await (await browser.api()).account.me()).name).toBe(DEMO_PRACTITIONER.name);
	});
});
