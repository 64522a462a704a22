/** A subscriber's payment as stored (see the subscribers table): Stripe's state, copied. */
export type PaymentColumns = {
	payment: 'paid' | 'past_due' | 'canceled' | null;
	paidUntil: Date | null;
	cancelAt: Date | null;
};

/** Where a subscriber's payment stands, as both the subscriber and the practitioner are told. */
export type PaymentStanding =
	| { kind: 'none' }
	| { kind: 'paid'; until: Date | null }
	| { kind: 'past_due' }
	| { kind: 'ending'; on: Date }
	| { kind: 'ended' };

/** A failed payment is said before a coming end: it is the one that asks for something. */
export function standingOf({ payment, paidUntil, cancelAt }: PaymentColumns): PaymentStanding {
	if (payment === 'canceled') return { kind: 'ended' };
	if (payment === 'past_due') return { kind: 'past_due' };
	if (payment === null) return { kind: 'none' };
	if (cancelAt) return { kind: 'ending', on: cancelAt };
	return { kind: 'paid', until: paidUntil };
}
