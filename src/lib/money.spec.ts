import { describe, expect, it } from 'vitest';
import {
	formatMoney,
	formatPrice,
	fromMinorUnits,
	isCurrencyCode,
	isStripeCurrency,
	paidCurrencyFor,
	percentOfMinor,
	STRIPE_CURRENCIES,
	stripeAmountProblem,
	stripeUnitAmount,
	toMinorUnits
} from './money';

describe('money', () => {
	it('turns amounts into integer minor units by the currency’s own exponent', () => {
		expect(toMinorUnits('60', 'EUR')).toBe(6000);
		expect(toMinorUnits('60.5', 'EUR')).toBe(6050);
		expect(toMinorUnits('60,05', 'EUR')).toBe(6005);
		expect(toMinorUnits('5000', 'JPY')).toBe(5000);
		expect(toMinorUnits('1.234', 'KWD')).toBe(1234);
	});

	it('refuses text that is not an amount, and more decimals than the currency has', () => {
		for (const bad of ['', '-5', 'ten', '1.234', '1e3', '1.2.3']) {
			expect(toMinorUnits(bad, 'EUR')).toBeNull();
		}
		expect(toMinorUnits('10.5', 'JPY')).toBeNull();
	});

	it('goes back to form text and to display', () => {
		expect(fromMinorUnits(6050, 'EUR')).toBe('60.50');
		expect(fromMinorUnits(5000, 'JPY')).toBe('5000');
		expect(formatMoney(6050, 'EUR')).toBe('€60.50');
	});

	it('knows real currency codes', () => {
		expect(isCurrencyCode('EUR')).toBe(true);
		expect(isCurrencyCode('eur')).toBe(false);
		expect(isCurrencyCode('XY')).toBe(false);
		expect(isCurrencyCode('QQQ')).toBe(false);
	});

	it('takes a percentage of an amount to the nearest minor unit, halves up', () => {
		expect(percentOfMinor(8000, 50)).toBe(4000);
		expect(percentOfMinor(1001, 50)).toBe(501);
		expect(percentOfMinor(999, 33)).toBe(330);
		expect(percentOfMinor(8000, 0)).toBe(0);
	});

	it('writes a series price with its interval, in the reader’s locale', () => {
		expect(formatPrice(1200, 'EUR', 'month')).toBe('€12.00 per month');
		expect(formatPrice(1500, 'JPY', 'four_weeks')).toBe('¥1,500 every 4 weeks');
		expect(formatPrice(1234, 'KWD', 'month')).toBe('KWD\u00a01.234 per month');
		expect(formatPrice(1200, 'EUR', 'month', 'de-DE')).toBe('12,00\u00a0€ per month');
	});

	it('gives Stripe amounts in its own minor units, which are not always ISO’s', () => {
		expect(stripeUnitAmount(1250, 'EUR')).toBe(1250);
		expect(stripeUnitAmount(1500, 'JPY')).toBe(1500);
		expect(stripeUnitAmount(1230, 'KWD')).toBe(1230);
		// Zero-decimal in ISO, two-decimal in Stripe's API.
		expect(stripeUnitAmount(1500, 'ISK')).toBe(150000);
		expect(stripeUnitAmount(toMinorUnits('1500', 'HUF')!, 'HUF')).toBe(150000);
		expect(stripeUnitAmount(toMinorUnits('15000', 'IDR')!, 'IDR')).toBe(1500000);
		// In Stripe's list of zero-decimal currencies.
		expect(stripeUnitAmount(5000, 'UGX')).toBe(5000);
	});

	it('says which amounts Stripe cannot take in a currency', () => {
		expect(stripeAmountProblem(1234, 'KWD')).toBe("KWD prices must end in 0 (Stripe's rule).");
		expect(stripeAmountProblem(1230, 'KWD')).toBeNull();
		expect(stripeAmountProblem(toMinorUnits('0.505', 'BHD')!, 'BHD')).toMatch(/end in 0/);
		expect(stripeAmountProblem(toMinorUnits('150.50', 'TWD')!, 'TWD')).toMatch(
			/TWD prices must be whole amounts/
		);
		expect(stripeAmountProblem(toMinorUnits('150', 'TWD')!, 'TWD')).toBeNull();
		expect(stripeAmountProblem(1500, 'ISK')).toBeNull();
		expect(stripeAmountProblem(1250, 'EUR')).toBeNull();
	});

	it('offers for paid series only currencies Stripe charges in, all of them real', () => {
		for (const code of STRIPE_CURRENCIES) expect(isCurrencyCode(code), code).toBe(true);
		expect(isStripeCurrency('EUR')).toBe(true);
		expect(isStripeCurrency('ISK')).toBe(true);
		// Codes Intl knows that Stripe does not take: drawing rights, withdrawn currencies.
		for (const code of ['XDR', 'CUC', 'HRK', 'SLL']) {
			expect(isCurrencyCode(code), code).toBe(true);
			expect(isStripeCurrency(code), code).toBe(false);
		}
		expect(paidCurrencyFor('JPY')).toBe('JPY');
		expect(paidCurrencyFor('XDR')).toBe('EUR');
	});
});
