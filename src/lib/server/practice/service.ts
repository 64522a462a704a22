import { eq } from 'drizzle-orm';
import type { z } from 'zod';
import type { Db } from '../db';
import { practiceDetails } from '../db/schema';
import type { practiceDetailsSchema } from './schemas';

export type PracticeDetailsFields = z.output<typeof practiceDetailsSchema>;

const BLANK: PracticeDetailsFields = { name: '', address: '', taxId: '' };

/** The practice's details, blank until first saved. */
export async function getPracticeDetails(db: Db, ownerId: string): Promise<PracticeDetailsFields> {
	const [row] = await db
		.select({
			name: practiceDetails.name,
			address: practiceDetails.address,
			taxId: practiceDetails.taxId
		})
		.from(practiceDetails)
		.where(eq(practiceDetails.ownerId, ownerId));
	return row ?? BLANK;
}

export async function savePracticeDetails(
	db: Db,
	ownerId: string,
	fields: PracticeDetailsFields
): Promise<PracticeDetailsFields> {
	const values = { ...fields, updatedAt: new Date() };
	await db
		.insert(practiceDetails)
		.values({ ownerId, ...values })
		.onConflictDoUpdate({ target: practiceDetails.ownerId, set: values });
	return fields;
}
