import { describe, expect, it } from 'vitest';
import { standingOf } from './payment-standing';

const until = new Date('2027-01-07T10:00:00Z');
const end = new Date('2027-02-07T10:00:00Z');

describe('standingOf', () => {
	it('says paid until the end of the period', () => {
		expect(standingOf({ payment: 'paid', paidUntil: until, cancelAt: null })).toEqual({
			kind: 'paid',
			until
		});
	});

	it('says when a subscription set to end ends', () => {
		expect(standingOf({ payment: 'paid', paidUntil: until, cancelAt: end })).toEqual({
			kind: 'ending',
			on: end
		});
	});

	it('says a failed payment before a coming end: it asks for something', () => {
		expect(standingOf({ payment: 'past_due', paidUntil: until, cancelAt: end })).toEqual({
			kind: 'past_due'
		});
	});

	it('says ended, whatever dates remain', () => {
		expect(standingOf({ payment: 'canceled', paidUntil: until, cancelAt: end })).toEqual({
			kind: 'ended'
		});
	});

	it('says nothing is paid yet before the first payment', () => {
		expect(standingOf({ payment: null, paidUntil: null, cancelAt: null })).toEqual({
			kind: 'none'
		});
	});
});
