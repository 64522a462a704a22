const exponents = new Map<string, number>();

/** Digits after the decimal point for a currency: 2 for EUR, 0 for JPY, 3 for KWD. */
export function currencyExponent(currency: string): number {
	let exponent = exponents.get(currency);
	if (exponent === undefined) {
		// Building a NumberFormat takes tens of microseconds: an export asks for every row.
		exponent =
			new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
				.maximumFractionDigits ?? 2;
		exponents.set(currency, exponent);
	}
	return exponent;
}

let currencies: Set<string> | undefined;
export function isCurrencyCode(value: string): boolean {
	currencies ??= new Set(Intl.supportedValuesOf('currency'));
	return currencies.has(value);
}

/**
 * The currencies a paid series can charge in: Stripe's presentment currencies for card payments
 * (https://docs.stripe.com/currencies#presentment-currencies, read December 2026), less codes ISO
 * has withdrawn (STD, ANG) and RUB, which Stripe no longer processes.
 */
export const STRIPE_CURRENCIES = (
	'USD AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BWP BYN ' +
	'BZD CAD CDF CHF CLP CNY COP CRC CVE CZK DJF DKK DOP DZD EGP ETB EUR FJD FKP GBP GEL GIP GMD ' +
	'GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR ISK JMD JOD JPY KES KGS KHR KMF KRW KWD KYD KZT LAK ' +
	'LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD ' +
	'OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RWF SAR SBD SCR SEK SGD SHP SLE SOS SRD SZL THB ' +
	'TJS TND TOP TRY TTD TWD TZS UAH UGX UYU UZS VND VUV WST XAF XCD XOF XPF YER ZAR ZMW'
).split(' ');

const stripeCurrencies = new Set(STRIPE_CURRENCIES);
export const isStripeCurrency = (value: string) => stripeCurrencies.has(value);

/** The currency a new paid series offers first: the practitioner's own when Stripe takes it. */
export const paidCurrencyFor = (preferred: string) =>
	isStripeCurrency(preferred) ? preferred : 'EUR';

// https://docs.stripe.com/currencies#zero-decimal and #three-decimal. Every other currency is
// two-decimal in Stripe's API, even where ISO has no minor unit: 1500 ISK, HUF, IDR, COP… go to
// Stripe as 150000 (#special-cases).
const STRIPE_ZERO_DECIMAL = new Set(
	'BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF'.split(' ')
);
const STRIPE_THREE_DECIMAL = new Set(['BHD', 'JOD', 'KWD', 'OMR', 'TND']);
// #special-cases: ISK is charged, HUF and TWD paid out in whole units only; three-decimal
// amounts must end in 0 for Stripe's payment partners.
const STRIPE_WHOLE_UNITS = new Set(['ISK', 'HUF', 'TWD']);

const stripeExponent = (currency: string) =>
	STRIPE_ZERO_DECIMAL.has(currency) ? 0 : STRIPE_THREE_DECIMAL.has(currency) ? 3 : 2;

/**
 * An amount in our minor units (ISO's, as stored) as Stripe's API wants it: 1500 ISK → 150000.
 * The one place amounts cross to Stripe; `stripeAmountProblem` says first whether it can.
 */
export function stripeUnitAmount(minor: number, currency: string): number {
	return minor * 10 ** (stripeExponent(currency) - currencyExponent(currency));
}

/** Why Stripe cannot take this amount in this currency, as a sentence for the form; else null. */
export function stripeAmountProblem(minor: number, currency: string): string | null {
	const amount = stripeUnitAmount(minor, currency);
	if (STRIPE_WHOLE_UNITS.has(currency) && amount % 100 !== 0) {
		return `${currency} prices must be whole amounts, without decimals (Stripe's rule).`;
	}
	if (STRIPE_THREE_DECIMAL.has(currency) && amount % 10 !== 0) {
		return `${currency} prices must end in 0 (Stripe's rule).`;
	}
	return null;
}

/** "60", "60.5" or "60.50" in EUR → 6050. Null when the text is not an amount in that currency. */
export function toMinorUnits(amount: string, currency: string): number | null {
	const exponent = currencyExponent(currency);
	const match = amount.trim().match(/^(\d{1,9})(?:[.,](\d+))?$/);
	if (!match) return null;
	const fraction = match[2] ?? '';
	if (fraction.length > exponent) return null;
	return Number(match[1]) * 10 ** exponent + Number(fraction.padEnd(exponent, '0') || '0');
}

/** 6050 EUR → "60.50", for putting an amount back into a form field. */
export function fromMinorUnits(minor: number, currency: string): string {
	const exponent = currencyExponent(currency);
	return exponent === 0 ? String(minor) : (minor / 10 ** exponent).toFixed(exponent);
}

/** "€60.50"; with `display: 'code'`, "EUR 60.50", for a medium that cannot draw every symbol. */
export function formatMoney(
	minor: number,
	currency: string,
	locale = 'en',
	display: 'symbol' | 'code' = 'symbol'
): string {
	return new Intl.NumberFormat(locale, {
		style: 'currency',
		currency,
		currencyDisplay: display
	}).format(minor / 10 ** currencyExponent(currency));
}

/** How often a paid series charges; Stripe bills "four_weeks" as every 4 weeks. */
export const BILLING_INTERVALS = ['month', 'four_weeks'] as const;
export type BillingInterval = (typeof BILLING_INTERVALS)[number];

export const INTERVAL_LABELS: Record<BillingInterval, string> = {
	month: 'per month',
	four_weeks: 'every 4 weeks'
};

/** A series' price as people read it: "€12.00 per month", "¥1,500 every 4 weeks". */
export function formatPrice(
	minor: number,
	currency: string,
	interval: BillingInterval,
	locale = 'en'
): string {
	return `${formatMoney(minor, currency, locale)} ${INTERVAL_LABELS[interval]}`;
}

/** `percent` per cent of an amount in minor units, rounded to the nearest unit (half up). */
export function percentOfMinor(minor: number, percent: number): number {
	return Math.round((minor * percent) / 100);
}
