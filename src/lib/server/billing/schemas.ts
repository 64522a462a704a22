import { z } from 'zod';
import { count } from '../../validation';
import { checkPeriod, periodFields, periodSchema } from './periods';

/** How a form says what a no-show or a late cancellation costs; stored as a percentage. */
export const chargeBases = ['full', 'percent', 'none'] as const;
export type ChargeBasis = (typeof chargeBases)[number];

const basis = z.enum(chargeBases, 'Choose what it costs.');
const percent = count(0, 100, { tooFew: 'From 0 to 100.', tooMany: 'From 0 to 100.' });

/** The percentage of the fee a choice bills: the full fee is 100, nothing is 0. */
export function percentOf(choice: { basis: ChargeBasis; percent: number }): number {
	return choice.basis === 'full' ? 100 : choice.basis === 'none' ? 0 : choice.percent;
}

/** The form's choice for a stored percentage. */
export function basisOf(percent: number): ChargeBasis {
	return percent === 100 ? 'full' : percent === 0 ? 'none' : 'percent';
}

export const MAX_WINDOW_HOURS = 720;

export const policySchema = z.object({
	noShowBasis: basis.default('full'),
	noShowPercent: percent.default(100),
	lateCancelBasis: basis.default('full'),
	lateCancelPercent: percent.default(100),
	lateCancelWindowHours: count(0, MAX_WINDOW_HOURS, {
		tooFew: 'Enter 0 for no window, or a number of hours.',
		tooMany: `At most ${MAX_WINDOW_HOURS} hours (30 days).`
	}).default(0)
});

/** The charge form on a session's page; the session's id comes from the page's address. */
export const chargeSchema = z.object({ basis, percent: percent.default(100) });

export const setChargeSchema = chargeSchema.extend({ id: z.uuid() });

export const summarySchema = periodSchema;

export const clientSummarySchema = periodFields
	.extend({ clientId: z.uuid() })
	.superRefine(checkPeriod);
