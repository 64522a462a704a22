import { describe, expect, it } from 'vitest';
import { mergeHandlers, type StripeEventHandler } from './webhooks';

const handler: StripeEventHandler = async () => {};

describe('mergeHandlers', () => {
	it('joins maps of different event types', () => {
		const merged = mergeHandlers(
			{ 'account.updated': handler },
			{ 'invoice.paid': handler, 'invoice.payment_failed': handler }
		);
		expect(Object.keys(merged).sort()).toEqual([
			'account.updated',
			'invoice.paid',
			'invoice.payment_failed'
		]);
	});

	it('refuses a type handled in two maps rather than let one silently replace the other', () => {
		expect(() =>
			mergeHandlers({ 'account.updated': handler }, { 'account.updated': async () => {} })
		).toThrow('Two handlers for the Stripe event account.updated');
	});
});
