import { eq, sql } from 'drizzle-orm';
import { hashPassword } from './auth/password';
import type { Db } from './db';
import { users } from './db/schema';

export const DEMO_PRACTITIONER = {
	name: 'Dana Demo',
	email: 'demo@sessionboard.localhost',
	password: 'demo practice passphrase 2026',
	timeZone: 'Europe/Berlin'
};

/** Creates, or resets to its known password, the demo practitioner. Safe to run again. */
export async function seedDemoData(db: Db): Promise<typeof DEMO_PRACTITIONER> {
	const passwordHash = await hashPassword(DEMO_PRACTITIONER.password);
	const [existing] = await db
		.select({ id: users.id })
		.from(users)
		.where(eq(sql`lower(${users.email})`, DEMO_PRACTITIONER.email));
	if (existing) {
		await db
			.update(users)
			.set({ passwordHash, emailVerifiedAt: sql`coalesce(${users.emailVerifiedAt}, now())` })
			.where(eq(users.id, existing.id));
	} else {
		await db.insert(users).values({
			name: DEMO_PRACTITIONER.name,
			email: DEMO_PRACTITIONER.email,
			passwordHash,
			timeZone: DEMO_PRACTITIONER.timeZone,
			emailVerifiedAt: new Date(),
			ageConfirmedAt: new Date()
		});
	}
	return DEMO_PRACTITIONER;
}
