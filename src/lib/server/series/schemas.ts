import { z } from 'zod';
import {
	BILLING_INTERVALS,
	currencyExponent,
	fromMinorUnits,
	isCurrencyCode,
	isStripeCurrency,
	stripeAmountProblem,
	stripeUnitAmount,
	toMinorUnits
} from '../../money';
import { count, isHttpsLink, localDate, localTime, text, timeZone } from '../../validation';

export const slugPattern = /^[a-z0-9]+(-[a-z0-9]+)*$/;

const checkbox = z.preprocess((v) => v === true || v === 'on' || v === 'true', z.boolean());

/** Everything a practitioner sets on a series; shared by the form and the procedures. */
export const seriesFields = z
	.object({
		title: text(120).min(1, 'Give the series a title.'),
		slug: text(60)
			.toLowerCase()
			.refine(
				(v) => v === '' || (v.length >= 3 && slugPattern.test(v)),
				'Use 3–60 lower-case letters, digits and single hyphens.'
			)
			.default(''),
		description: text(20_000, { trim: false }).default(''),
		timeZone,
		mon: checkbox.default(false),
		tue: checkbox.default(false),
		wed: checkbox.default(false),
		thu: checkbox.default(false),
		fri: checkbox.default(false),
		sat: checkbox.default(false),
		sun: checkbox.default(false),
		startTime: localTime,
		startDate: localDate,
		endKind: z.enum(['never', 'date', 'count']).default('never'),
		endDate: z.string().max(10).default(''),
		occurrenceCount: count(1, 500).default(10),
		durationMinutes: count(5, 720, {
			tooFew: 'At least 5 minutes.',
			tooMany: 'At most 12 hours.'
		}).default(60),
		capacity: count(1, 10_000, { tooFew: 'At least 1 place.' }).default(12),
		locationKind: z.enum(['in_person', 'online', 'zoom']).default('in_person'),
		locationDetail: text(500).default(''),
		remind24h: checkbox.default(true),
		remind1h: checkbox.default(true),
		pricing: z.enum(['free', 'paid']).default('free'),
		/** In major units as typed ("12.50"); counts only when paid. */
		price: text(20).default(''),
		currency: text(3).toUpperCase().refine(isCurrencyCode, 'Choose a currency.').default('EUR'),
		billingInterval: z.enum(BILLING_INTERVALS).default('month')
	})
	.superRefine((value, ctx) => {
		if (value.pricing === 'paid' && isCurrencyCode(value.currency)) {
			if (!isStripeCurrency(value.currency)) {
				ctx.addIssue({
					code: 'custom',
					path: ['currency'],
					message: `Stripe cannot charge in ${value.currency}: choose another currency.`
				});
			} else {
				const problem = priceProblem(value.price, value.currency);
				if (problem) ctx.addIssue({ code: 'custom', path: ['price'], message: problem });
			}
		}
		if (!weekdaysOf(value).length)
			ctx.addIssue({ code: 'custom', path: ['mon'], message: 'Choose at least one weekday.' });
		if (
			value.endKind === 'date' &&
			(!localDate.safeParse(value.endDate).success || value.endDate < value.startDate)
		) {
			ctx.addIssue({
				code: 'custom',
				path: ['endDate'],
				message: 'Choose an end date on or after the start date.'
			});
		}
		if (
			value.locationKind === 'online' &&
			value.locationDetail &&
			!isHttpsLink(value.locationDetail)
		) {
			ctx.addIssue({
				code: 'custom',
				path: ['locationDetail'],
				message: 'Paste the https:// link of the meeting, or leave it empty.'
			});
		}
		if (value.locationKind === 'in_person' && !value.locationDetail) {
			ctx.addIssue({
				code: 'custom',
				path: ['locationDetail'],
				message: 'Where does it take place?'
			});
		}
	});

export type SeriesFields = z.output<typeof seriesFields>;

/** Stripe's largest unit amount: eight digits in its minor units (999,999.99 in EUR). */
const MAX_UNIT_AMOUNT = 99_999_999;

function priceProblem(price: string, currency: string): string | null {
	const minor = toMinorUnits(price, currency);
	if (minor === null) {
		const exponent = currencyExponent(currency);
		return exponent === 0
			? `Enter a whole amount like 1500: ${currency} has no decimals.`
			: `Enter an amount like 12 or ${fromMinorUnits(1250 * 10 ** (exponent - 2), currency)}.`;
	}
	if (minor === 0) return 'Enter a price above zero, or choose Free.';
	if (stripeUnitAmount(minor, currency) > MAX_UNIT_AMOUNT) {
		const most = Math.floor(MAX_UNIT_AMOUNT / stripeUnitAmount(1, currency));
		return `Enter at most ${fromMinorUnits(most, currency)} ${currency}.`;
	}
	return stripeAmountProblem(minor, currency);
}

/** The price columns of a series: all set when paid, all null when free. */
export function priceOf(fields: SeriesFields) {
	if (fields.pricing === 'free') {
		return { priceMinor: null, currency: null, billingInterval: null };
	}
	return {
		priceMinor: toMinorUnits(fields.price, fields.currency)!,
		currency: fields.currency,
		billingInterval: fields.billingInterval
	};
}

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** The ticked weekday boxes as ISO weekday numbers, Monday = 1. */
export function weekdaysOf(value: Pick<SeriesFields, (typeof DAYS)[number]>): number[] {
	return DAYS.flatMap((day, i) => (value[day] ? [i + 1] : []));
}

export function weekdayFields(weekdays: number[]): Record<(typeof DAYS)[number], boolean> {
	return Object.fromEntries(DAYS.map((day, i) => [day, weekdays.includes(i + 1)])) as Record<
		(typeof DAYS)[number],
		boolean
	>;
}

export const seriesId = z.object({ id: z.uuid() });
export const updateSeriesSchema = z.object({ id: z.uuid(), fields: seriesFields });
export const seriesStatusSchema = z.object({
	id: z.uuid(),
	status: z.enum(['draft', 'published', 'archived'])
});
/** Cancelling a date or putting it back on. */
export const occurrenceIdSchema = z.object({ occurrenceId: z.uuid() });
export const moveOccurrenceSchema = z.object({
	occurrenceId: z.uuid(),
	date: localDate,
	startTime: localTime
});
