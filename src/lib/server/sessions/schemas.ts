import { z } from 'zod';
import { isCurrencyCode, toMinorUnits } from '../../money';
import { isTimeZone } from '../account/schemas';

export const localDate = z
	.string()
	.regex(/^\d{4}-\d{2}-\d{2}$/, 'Choose a date.')
	.refine((v) => !Number.isNaN(Date.parse(`${v}T00:00:00Z`)), 'Choose a valid date.');
const localTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'Choose a time.');

export const sessionStatuses = [
	'scheduled',
	'completed',
	'cancelled',
	'late_cancelled',
	'no_show'
] as const;
export const paymentStatuses = ['unpaid', 'paid', 'waived'] as const;
export const locationKinds = ['in_person', 'zoom', 'link', 'phone'] as const;

/** When and where a session is, and what it costs: shared by creating and rescheduling. */
const sessionFields = z.object({
	clientId: z.uuid('Choose a client.'),
	date: localDate,
	startTime: localTime,
	durationMinutes: z.coerce
		.number()
		.int()
		.min(5, 'At least 5 minutes.')
		.max(12 * 60, 'At most 12 hours.')
		.default(50),
	timeZone: z.string().refine(isTimeZone, 'Choose a valid time zone.'),
	locationKind: z.enum(locationKinds).default('in_person'),
	locationDetail: z.string().trim().max(500, 'Use at most 500 characters.').default(''),
	fee: z.string().trim().max(20).default('0'),
	currency: z.string().trim().toUpperCase().refine(isCurrencyCode, 'Choose a currency.')
});

function checkFee(value: { fee: string; currency: string }, ctx: z.RefinementCtx) {
	if (isCurrencyCode(value.currency) && toMinorUnits(value.fee, value.currency) === null) {
		ctx.addIssue({ code: 'custom', path: ['fee'], message: `Enter an amount like 60 or 60.50.` });
	}
}

function checkLink(value: { locationKind: string; locationDetail: string }, ctx: z.RefinementCtx) {
	if (value.locationKind === 'link' && !/^https:\/\/\S+$/.test(value.locationDetail)) {
		ctx.addIssue({
			code: 'custom',
			path: ['locationDetail'],
			message: 'Paste the https:// link of the meeting.'
		});
	}
}

export const MAX_OCCURRENCES = 260;

export const createSessionSchema = sessionFields
	.extend({
		repeat: z.enum(['none', 'weekly']).default('none'),
		intervalWeeks: z.coerce.number().int().min(1).max(12).default(1),
		repeatEnd: z.enum(['count', 'until']).default('count'),
		count: z.coerce
			.number()
			.int()
			.min(2, 'At least 2 sessions.')
			.max(MAX_OCCURRENCES, `At most ${MAX_OCCURRENCES} sessions.`)
			.default(10),
		until: z.string().default('')
	})
	.superRefine(checkFee)
	.superRefine(checkLink)
	.superRefine((value, ctx) => {
		if (value.repeat !== 'weekly' || value.repeatEnd !== 'until') return;
		if (!localDate.safeParse(value.until).success || value.until <= value.date) {
			ctx.addIssue({
				code: 'custom',
				path: ['until'],
				message: 'Choose a last date after the first session.'
			});
		}
	});

/** The reschedule form: the session's id comes from the page's address, not from a field. */
export const editSessionSchema = sessionFields.superRefine(checkFee).superRefine(checkLink);

export const updateSessionSchema = sessionFields
	.extend({ id: z.uuid() })
	.superRefine(checkFee)
	.superRefine(checkLink);

export const sessionId = z.object({ id: z.uuid() });

export const setStatusSchema = z.object({
	id: z.uuid(),
	status: z.enum(sessionStatuses),
	/** For cancellations of a repeating session: this one, or this and every later one. */
	scope: z.enum(['this', 'following']).default('this')
});

export const setPaymentSchema = z.object({
	id: z.uuid(),
	paymentStatus: z.enum(paymentStatuses),
	paidOn: localDate.optional()
});

export const agendaSchema = z.object({
	date: localDate,
	view: z.enum(['day', 'week']).default('week')
});
