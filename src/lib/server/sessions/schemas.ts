import { z } from 'zod';
import { isCurrencyCode, toMinorUnits } from '../../money';
import { count, isHttpsLink, localDate, localTime, text, timeZone } from '../../validation';

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
	durationMinutes: count(5, 12 * 60, {
		tooFew: 'At least 5 minutes.',
		tooMany: 'At most 12 hours.'
	}).default(50),
	timeZone,
	locationKind: z.enum(locationKinds).default('in_person'),
	locationDetail: text(500).default(''),
	fee: text(20).default('0'),
	currency: text(3).toUpperCase().refine(isCurrencyCode, 'Choose a currency.')
});

function checkFee(value: { fee: string; currency: string }, ctx: z.RefinementCtx) {
	if (isCurrencyCode(value.currency) && toMinorUnits(value.fee, value.currency) === null) {
		ctx.addIssue({ code: 'custom', path: ['fee'], message: `Enter an amount like 60 or 60.50.` });
	}
}

function checkLink(value: { locationKind: string; locationDetail: string }, ctx: z.RefinementCtx) {
	if (value.locationKind === 'link' && !isHttpsLink(value.locationDetail)) {
		ctx.addIssue({
			code: 'custom',
			path: ['locationDetail'],
			message: 'Paste the https:// link of the meeting.'
		});
	}
}

export const MAX_OCCURRENCES = 260;
const DAY_MS = 24 * 60 * 60 * 1000;

export const createSessionSchema = sessionFields
	.extend({
		repeat: z.enum(['none', 'weekly']).default('none'),
		intervalWeeks: count(1, 12).default(1),
		repeatEnd: z.enum(['count', 'until']).default('count'),
		count: count(2, MAX_OCCURRENCES, {
			tooFew: 'At least 2 sessions.',
			tooMany: `At most ${MAX_OCCURRENCES} sessions.`
		}).default(10),
		until: z.string().max(10).default('')
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
			return;
		}
		// Counted from the dates alone, so that a rule of thousands of dates is refused before
		// any of them is built.
		const days = (Date.parse(value.until) - Date.parse(value.date)) / DAY_MS;
		const sessions = Math.floor(days / (7 * value.intervalWeeks)) + 1;
		if (sessions > MAX_OCCURRENCES) {
			ctx.addIssue({
				code: 'custom',
				path: ['until'],
				message: `That makes ${sessions} sessions; at most ${MAX_OCCURRENCES} can be created at once.`
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

/** How many sessions one "Mark paid" may name: the unpaid list's page, with room to spare. */
export const MAX_MARK_PAID = 500;

export const markPaidSchema = z.object({
	ids: z
		.array(z.uuid())
		.min(1, 'Choose at least one session.')
		.max(MAX_MARK_PAID, `Choose at most ${MAX_MARK_PAID} sessions at once.`),
	paidOn: localDate
});

export const unpaidSchema = z.object({ clientId: z.uuid().optional() });
