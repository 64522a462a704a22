import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db';
import { TIME_ZONE_NAMES } from '../../src/lib/time-zone-names';
import { useTestDatabase } from './support/database';

let db: Database;
beforeAll(async () => {
	({ db } = await useTestDatabase());
});

const knownToIntl = (zone: string) => {
	try {
		new Intl.DateTimeFormat('en', { timeZone: zone });
		return true;
	} catch {
		return false;
	}
};

describe('the time zones we accept', () => {
	it('are all known to PostgreSQL and to JavaScript', async () => {
		const rows = await db.execute<{ name: string }>(sql`select name from pg_timezone_names`);
		const postgres = new Set(rows.map((row) => row.name));
		expect(TIME_ZONE_NAMES.filter((zone) => !postgres.has(zone))).toEqual([]);
		expect(TIME_ZONE_NAMES.filter((zone) => !knownToIntl(zone))).toEqual([]);
	});

	it('leave out a zone JavaScript knows and PostgreSQL refuses', async () => {
		expect(knownToIntl('US/Pacific-New')).toBe(true);
		await expect(db.execute(sql`select now() at time zone 'US/Pacific-New'`)).rejects.toThrow();
		expect(TIME_ZONE_NAMES).not.toContain('US/Pacific-New');
	});
});
