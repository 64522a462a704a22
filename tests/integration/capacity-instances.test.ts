import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../src/lib/server/db';
import { signedUpPractitioner, TestBrowser } from './support/browser';
import { useTestDatabase } from './support/database';
import { expectFirstComeFirstServed, publishedSeries, signUp } from './support/series';

let db: Database;
/** One pool per app instance: each has its own batchers, so only the database orders them. */
let instances: Database[];
beforeAll(async () => {
	let url: string;
	({ db, url } = await useTestDatabase());
	instances = Array.from({ length: 4 }, () => createDatabase(url));
});
afterAll(async () => {
	await Promise.all(instances.map((instance) => instance.$client.end()));
});

describe('capacity across app instances', () => {
	it('four instances confirming 120 signups at once for 20 places admit exactly 20', async () => {
		const { browser } = await signedUpPractitioner(db);
		const { id, slug } = await publishedSeries(await browser.api(), { capacity: 20 });
		const links = await Promise.all(Array.from({ length: 120 }, (_, n) => signUp(db, slug, n)));
		const results = await Promise.allSettled(
			links.map(({ token }, n) =>
				new TestBrowser(instances[n % instances.length]!)
					.api()
					.then((visitor) => visitor.subscribers.confirm({ token }))
			)
		);
		expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
		await expectFirstComeFirstServed(db, id, { places: 20, crowd: 120 });
	}, 120_000);
});
