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
