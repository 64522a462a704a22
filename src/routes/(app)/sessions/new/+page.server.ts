import { redirect } from '@sveltejs/kit';
import { superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import type { Actions, PageServerLoad } from './$types';
import { attempt, reject } from '$lib/server/forms';
import { createSessionSchema } from '$lib/server/sessions/schemas';
import { timeZoneChoices, todayIn } from '$lib/server/time-zones';
import { localTime } from '$lib/validation';
import { serverCaller } from '$lib/server/trpc/router';

const schema = zod4(createSessionSchema);

export const load: PageServerLoad = async (event) => {
	const user = event.locals.user!;
	const params = event.url.searchParams;
	const initial = {
		clientId: params.get('clientId') ?? '',
		date: params.get('date') ?? todayIn(user.timeZone),
		// A tap on free time in the calendar starts the session there.
		startTime: localTime.safeParse(params.get('time')).data ?? '09:00',
		timeZone: user.timeZone,
		currency: user.currency
	};
	return {
		form: await superValidate(initial, schema, { errors: false }),
		clients: await serverCaller(event).clients.choices(),
		timeZones: timeZoneChoices(user.timeZone),
		currencies: Intl.supportedValuesOf('currency'),
		zoomConnected: (await serverCaller(event).zoom.health()).connected
	};
};

export const actions: Actions = {
	default: async (event) => {
		const form = await superValidate(event.request, schema);
		if (!form.valid) return reject(form);
		const result = await attempt(form, () => serverCaller(event).sessions.create(form.data));
		if (!result.ok) return result.failure;
		const [first] = result.value.ids;
		redirect(
			303,
			result.value.ids.length === 1 ? `/sessions/${first}` : `/sessions?date=${form.data.date}`
		);
	}
};
