import { z } from 'zod';
import { count, localDate, localTime } from '../../validation';

/** A month view shows six weeks at most; a longer span is no view of ours. */
export const MAX_RANGE_DAYS = 42;

/** The local days a calendar view shows: from a date, for a number of days. */
export const rangeSchema = z.object({
	from: localDate,
	days: count(1, MAX_RANGE_DAYS, { tooMany: `At most ${MAX_RANGE_DAYS} days at once.` })
});

/** A session dropped on another slot: its new local start in the practitioner's zone. */
export const moveSchema = z.object({ id: z.uuid(), date: localDate, startTime: localTime });
