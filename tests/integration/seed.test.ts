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
	it('creates one confirmed demo practitioner with a practice, who can sign in with the printed password, also when run twice', async () => {
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
		const api = await browser.api();
		expect((await api.account.me()).name).toBe(DEMO_PRACTITIONER.name);

		// About fifty clients and six months of sessions with notes, seeded once however often it runs.
		const everyone = await api.clients.list({ q: '', tag: '', show: 'all', limit: 100 });
		expect(everyone.items).toHaveLength(50);
		const [counts] = await db.execute<{
			sessions: number;
			months: number;
			notes: number;
			signed: number;
		}>(sql`
			select count(*)::int as sessions,
				(extract(epoch from max(starts_at) - min(starts_at)) / 86400 / 30)::int as months,
				(select count(*)::int from session_notes where owner_id = ${rows[0]!.id}) as notes,
				(select count(*)::int from session_notes where owner_id = ${rows[0]!.id} and signed_at is not null) as signed
			from sessions where owner_id = ${rows[0]!.id}`);
		expect(counts!.sessions).toBe(50 * 26);
		expect(counts!.months).toBe(6);
		expect(counts!.notes).toBeGreaterThan(500);
		expect(counts!.signed).toBeGreaterThan(0);
		const summary = await api.dashboard.summary();
		expect(summary.upcoming.length).toBeGreaterThan(0);
		expect(summary.recentNotes).toHaveLength(5);

		// Two published series with subscribers; the first is full and has a waitlist.
		const seeded = await api.series.list();
		expect(seeded.map((s) => [s.status, s.taken, s.waitlisted])).toEqual(
			expect.arrayContaining([
				['published', 12, 2],
				['published', 9, 0]
			])
		);
	});
});
