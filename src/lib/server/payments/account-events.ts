import { eq } from 'drizzle-orm';
import { stripeAccounts } from '../db/schema';
import { announcePayments as announce, revokeAccount, storeAccountState } from './accounts';
import type { StripeEventHandlers } from './webhooks';

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

	/** The practitioner removed Sessionboard's access in Stripe: the account is out of reach. */
	'account.application.deauthorized': async ({ tx, event, afterCommit }) => {
		if (!event.account) return;
		const owner = await revokeAccount(tx, event.account);
		if (owner) afterCommit(() => announce(owner));
	}
};
