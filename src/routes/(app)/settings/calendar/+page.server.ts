import { superValidate, withFiles } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import { z } from 'zod';
import type { Actions, PageServerLoad } from './$types';
import { workingHoursSchema } from '$lib/server/account/schemas';
import { feedNamesSchema, ICS_MAX_CHARS, importEventsSchema } from '$lib/server/calendar/schemas';
import { clockOf } from '$lib/components/calendar/grid-time';
import { attempt, confirmed, formFields, reject } from '$lib/server/forms';
import { serverCaller } from '$lib/server/trpc/router';

/** An upload: the file's text is what the procedures take, checked there like any input. */
const uploadSchema = z.object({
	file: z
		.instanceof(File, { message: 'Choose an .ics file.' })
		.refine((file) => file.size > 0, 'Choose an .ics file.')
		.refine((file) => file.size <= ICS_MAX_CHARS, 'This file is too large: export a shorter span.')
});

const names = zod4(feedNamesSchema);
const upload = zod4(uploadSchema);
const importing = zod4(importEventsSchema);
const workingHours = zod4(workingHoursSchema);

export const load: PageServerLoad = async (event) => {
	const caller = serverCaller(event);
	const [feed, clients] = await Promise.all([
		caller.calendar.feedSettings(),
		caller.clients.choices()
	]);
	const { dayStartsAt, dayEndsAt } = event.locals.user!;
	return {
		feed,
		clients,
		hoursForm: await superValidate(
			// The day may end at midnight (1440), which a time field shows as 00:00 of no day: 23:59.
			{ dayStartsAt: clockOf(dayStartsAt), dayEndsAt: clockOf(Math.min(dayEndsAt, 1439)) },
			workingHours
		),
		namesForm: await superValidate({ showFullNames: feed?.showFullNames ?? false }, names),
		uploadForm: await superValidate(upload),
		importForm: await superValidate(importing)
	};
};

export const actions = {
	hours: async (event) => {
		const form = await superValidate(event.request, workingHours);
		if (!form.valid) return reject(form);
		const result = await attempt(form, () =>
			serverCaller(event).account.setWorkingHours(form.data)
		);
		if (!result.ok) return result.failure;
		form.message = { kind: 'success', text: 'Saved. The calendar opens at the start of your day.' };
		return { form };
	},
	/** A new address; replacing one that calendars may use asks first. */
	issueFeed: async (event) => {
		const caller = serverCaller(event);
		const replacing = (await caller.calendar.feedSettings()) !== null;
		if (replacing && !confirmed(await formFields(event.request))) {
			return { confirm: { action: 'issueFeed' as const } };
		}
		const { url } = await caller.calendar.issueFeed();
		return { feedUrl: url };
	},
	names: async (event) => {
		const form = await superValidate(event.request, names);
		if (!form.valid) return reject(form);
		const result = await attempt(form, () => serverCaller(event).calendar.setFeedNames(form.data));
		if (!result.ok) return result.failure;
		form.message = { kind: 'success', text: 'Saved. Calendars show it when they next refresh.' };
		return { form };
	},
	preview: async (event) => {
		const form = await superValidate(event.request, upload);
		const file = form.valid ? form.data.file : null;
		// A File cannot travel back to the page; the form does, without it.
		withFiles(form);
		if (!file) return reject(form);
		const ics = await file.text();
		const result = await attempt(form, () => serverCaller(event).calendar.previewImport({ ics }));
		if (!result.ok) return result.failure;
		// The file goes back with its events: the import sends it again.
		return { form, preview: { ics, events: result.value } };
	},
	import: async (event) => {
		const form = await superValidate(event.request, importing);
		if (!form.valid) return reject(form);
		const result = await attempt(form, () => serverCaller(event).calendar.importEvents(form.data));
		if (!result.ok) return result.failure;
		const { ids, alreadyImported } = result.value;
		const sessions = (n: number) => (n === 1 ? '1 session' : `${n} sessions`);
		form.message = {
			kind: 'success',
			text: `Imported ${sessions(ids.length)}.${alreadyImported ? ` ${alreadyImported === 1 ? '1 event was' : `${alreadyImported} events were`} imported before and left as they are.` : ''}`
		};
		return { form };
	}
} satisfies Actions;
