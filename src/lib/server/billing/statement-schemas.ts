import { z } from 'zod';
import { MAX_YEAR, MIN_YEAR } from '../../validation';
import { checkPeriod, periodFields, periodKinds } from './periods';

export const statementSchema = periodFields
	.extend({ clientId: z.uuid('Choose a client.') })
	.superRefine(checkPeriod);

const yearInRange = (year: number) => year >= MIN_YEAR && year <= MAX_YEAR;

/**
 * The form that opens a statement: a client and a period. Only the fields of the chosen kind of
 * period are checked; the others keep whatever the form last showed.
 */
export const statementChoiceSchema = z
	.object({
		clientId: z.uuid('Choose a client.'),
		period: z.enum(periodKinds).default('month'),
		month: z.string().max(7).default(''),
		quarter: z.string().max(7).default(''),
		year: z.string().max(4).default(''),
		from: z.string().max(10).default(''),
		to: z.string().max(10).default('')
	})
	.superRefine((value, ctx) => {
		const refuse = (path: string, message: string) =>
			ctx.addIssue({ code: 'custom', path: [path], message });
		if (value.period === 'month') {
			const match = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(value.month);
			if (!match || !yearInRange(Number(match[1]))) refuse('month', 'Choose a month.');
		} else if (value.period === 'quarter') {
			const match = /^(\d{4})-Q[1-4]$/.exec(value.quarter);
			if (!match || !yearInRange(Number(match[1]))) refuse('quarter', 'Choose a quarter.');
		} else if (value.period === 'year') {
			if (!/^\d{4}$/.test(value.year) || !yearInRange(Number(value.year))) {
				refuse('year', `Choose a year between ${MIN_YEAR} and ${MAX_YEAR}.`);
			}
		} else {
			const range = statementSchema.safeParse(value);
			for (const issue of range.success ? [] : range.error.issues) {
				if (issue.path[0] === 'from' || issue.path[0] === 'to') {
					refuse(String(issue.path[0]), issue.message);
				}
			}
		}
	});
