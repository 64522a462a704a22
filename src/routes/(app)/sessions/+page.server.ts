import type { PageServerLoad } from './$types';
import { PRACTICE } from '$lib/dependencies';
import { agendaSchema } from '$lib/server/sessions/schemas';
import { todayIn } from '$lib/server/time-zones';
import { serverCaller } from '$lib/server/trpc/router';

/** Weeks run Monday to Sunday. */
function mondayOf(date: string): string {
	const day = new Date(`${date}T00:00:00Z`);
	day.setUTCDate(day.getUTCDate() - ((day.getUTCDay() + 6) % 7));
	return day.toISOString().slice(0, 10);
}

export const load: PageServerLoad = async (event) => {
	event.depends(PRACTICE);
	const timeZone = event.locals.user!.timeZone;
	const today = todayIn(timeZone);
	const parsed = agendaSchema.safeParse({
		date: event.url.searchParams.get('date') ?? today,
		view: event.url.searchParams.get('view') ?? undefined
	});
	const input = parsed.success ? parsed.data : { date: today, view: 'week' as const };
	if (input.view === 'week') input.date = mondayOf(input.date);
	return { ...input, today, timeZone, ...(await serverCaller(event).sessions.agenda(input)) };
};
