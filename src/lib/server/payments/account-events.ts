import { eq } from 'drizzle-orm';
import { stripeAccounts } from '../db/schema';
import { publishToUser } from '../realtime/publish';
import { forgetAccount, storeAccountState } from './accounts';
import type { StripeEventHandlers } from './webhooks';

const announce = (userId: string) =>
	publishToUser(userId, 'practice:changed', { entity: 'payments', ids: [] });

/** Events about practitioners' connected accounts. */
export const accountEvents: StripeEventHandlers = {
	/**
	 * The event's copy of the account may be older than another already applied, so the account
	 * is read again from Stripe. Its row is locked first: deliveries of two updates then read and
	 * write one after the other, and the later read is the one kept.
	 */
	'account.updated': async ({ tx, event, stripe, afterCommit }) => {
		if (!event.account) return;
		const [known] = await tx
			.select({ userId: stripeAccounts.userId })
			.from(stripeAccounts)
			.where(eq(stripeAccounts.accountId, event.account))
			.for('update');
		if (!known) return;
		await storeAccountState(tx, await stripe.accounts.retrieve(event.account));
		afterCommit(() => announce(known.userId));
	},

	/** The practitioner removed Sessionboard's access in Stripe: as if they had disconnected here. */
	'account.application.deauthorized': async ({ tx, event, afterCommit }) => {
		if (!event.account) return;
		const forgotten = await forgetAccount(tx, { accountId: event.account });
		if (forgotten) afterCommit(() => announce(forgotten.userId));
	}
};
