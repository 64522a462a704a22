import { eq } from 'drizzle-orm';
import type { Db } from '../db';
import { stripeAccounts, type StripeAccountRow } from '../db/schema';
import { paymentsConfigured } from './stripe';

/** The practitioner's connected Stripe account, if they connected one. */
export async function connectedAccount(db: Db, userId: string): Promise<StripeAccountRow | null> {
	const [row] = await db.select().from(stripeAccounts).where(eq(stripeAccounts.userId, userId));
	return row ?? null;
}

/** Why a practitioner cannot take payments now, or null when they can. */
export function paymentsBlocked(account: StripeAccountRow | null): string | null {
	if (!paymentsConfigured()) return 'Payments are not set up on this Sessionboard.';
	if (!account) return 'The practitioner has not connected a Stripe account.';
	if (!account.chargesEnabled) return 'The practitioner’s Stripe account cannot take payments yet.';
	return null;
}
