import { TRPCError } from '@trpc/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { stripeDestination } from './stripe';

const saved = process.env.STRIPE_API_URL;
afterEach(() => {
	if (saved === undefined) delete process.env.STRIPE_API_URL;
	else process.env.STRIPE_API_URL = saved;
	vi.restoreAllMocks();
});

/** The refusal for an address, with the log line it wrote (under the same reference). */
function refusal(address: string) {
	const log = vi.spyOn(console, 'error').mockImplementation(() => {});
	let thrown: unknown;
	try {
		stripeDestination(address);
	} catch (error) {
		thrown = error;
	}
	expect(thrown, address).toBeInstanceOf(TRPCError);
	const { message } = thrown as TRPCError;
	const reference = /\(ref (\w+)\)/.exec(message)?.[1];
	expect(reference, message).toBeDefined();
	expect(String(log.mock.calls.at(-1)?.[0])).toContain(`[ref ${reference}]`);
	return message;
}

describe('stripeDestination', () => {
	it('follows https addresses on stripe.com and its subdomains', () => {
		delete process.env.STRIPE_API_URL;
		for (const address of [
			'https://connect.stripe.com/setup/s/acct_1/abc',
			'https://billing.stripe.com/p/session/test_1',
			'https://checkout.stripe.com/c/pay/cs_test_1#fragment',
			'https://stripe.com/'
		]) {
			expect(stripeDestination(address)).toBe(address);
		}
	});

	it('refuses anything else, with a reference and without the address', () => {
		delete process.env.STRIPE_API_URL;
		for (const address of [
			'http://connect.stripe.com/setup',
			'https://stripe.com.evil.example/setup',
			'https://evilstripe.com/setup',
			'https://connect.stripe.com:8443/setup',
			'https://user:pass@connect.stripe.com/setup',
			'javascript:alert(1)',
			'//connect.stripe.com/setup',
			'/settings/payments',
			'not a url'
		]) {
			expect(refusal(address)).not.toContain(address);
		}
	});

	it('follows the configured stand-in’s origin, and only that', () => {
		process.env.STRIPE_API_URL = 'http://127.0.0.1:4242';
		expect(stripeDestination('http://127.0.0.1:4242/_fake/onboarding/x')).toBe(
			'http://127.0.0.1:4242/_fake/onboarding/x'
		);
		expect(stripeDestination('https://billing.stripe.com/p/session/1')).toBe(
			'https://billing.stripe.com/p/session/1'
		);
		refusal('http://127.0.0.1:4243/_fake/onboarding/x');
		refusal('https://127.0.0.1:4242/_fake/onboarding/x');
	});
});
