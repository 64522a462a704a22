import { eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Database, Db } from '../../src/lib/server/db';
import { appSecrets, users } from '../../src/lib/server/db/schema';
import { useTestDatabase } from './support/database';

let db: Database;
beforeAll(async () => {
	({ db } = await useTestDatabase());
});

/** Runs a statement with a parameter, then tells whether its connection now holds it prepared. */
async function preparedOnItsConnection(tx: Db): Promise<boolean> {
	await tx.select({ id: users.id }).from(users).where(eq(users.email, 'nobody@example.com'));
	// The pattern goes as a parameter: this statement's own text must not match it.
	const [row] = await tx.execute<{ n: number }>(
		sql`select count(*)::int as n from pg_prepared_statements where statement like ${'%"users"."email" = $1%'}`
	);
	return (row?.n ?? 0) > 0;
}

describe('the database handle', () => {
	it('prepares statements with parameters, in transactions and savepoints as well', async () => {
		expect(await db.transaction((tx) => preparedOnItsConnection(tx))).toBe(true);
		expect(
			await db.transaction((tx) => tx.transaction((inner) => preparedOnItsConnection(inner)))
		).toBe(true);
	});

	it('sets plan_cache_mode so that each execution is planned for its own parameters', async () => {
		const [row] = await db.execute<{ mode: string }>(
			sql`select current_setting('plan_cache_mode') as mode`
		);
		expect(row?.mode).toBe('force_custom_plan');
	});

	it('still rolls back a failed transaction, and a failed savepoint alone', async () => {
		const name = `rollback-test-${Date.now()}`;
		const undo = new Error('undo');
		await expect(
			db.transaction(async (tx) => {
				await tx.insert(appSecrets).values({ name, value: 'rolled back' });
				throw undo;
			})
		).rejects.toBe(undo);
		await db.transaction(async (tx) => {
			await tx.insert(appSecrets).values({ name, value: 'kept' });
			await expect(
				tx.transaction(async (inner) => {
					await inner.update(appSecrets).set({ value: 'undone' }).where(eq(appSecrets.name, name));
					throw undo;
				})
			).rejects.toBe(undo);
		});
		const rows = await db
			.select({ value: appSecrets.value })
			.from(appSecrets)
			.where(eq(appSecrets.name, name));
		expect(rows).toEqual([{ value: 'kept' }]);
		await db.delete(appSecrets).where(eq(appSecrets.name, name));
	});
});
