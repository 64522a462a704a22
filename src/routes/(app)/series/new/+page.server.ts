import { redirect } from '@sveltejs/kit';
import { superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import type { Actions, PageServerLoad } from './$types';
import { paidCurrencyFor, STRIPE_CURRENCIES } from '$lib/money';
import { attempt, reject } from '$lib/server/forms';
import { seriesFields } from '$lib/server/series/schemas';
import { timeZoneChoices, todayIn } from '$lib/server/time-zones';
import { serverCaller } from '$lib/server/trpc/router';

const schema = zod4(seriesFields);

export const load: PageServerLoad = async (event) => {
	const user = event.locals.user!;
	const initial = {
		timeZone: user.timeZone,
		startDate: todayIn(user.timeZone),
		startTime: '18:00',
		currency: paidCurrencyFor(user.currency)
	};
	return {
		form: await superValidate(initial, schema, { errors: false }),
		timeZones: timeZoneChoices(user.timeZone),
		currencies: STRIPE_CURRENCIES,
		paymentsBlocked: await serverCaller(event).series.paymentsBlocked(),
		zoomConnected: (await serverCaller(event).zoom.health()).connected
	};
};

export const actions: Actions = {
	default: async (event) => {
		const form = await superValidate(event.request, schema);
		if (!form.valid) return reject(form);
		const result = await attempt(form, () => serverCaller(event).series.create(form.data));
		if (!result.ok) return result.failure;
		redirect(303, `/series/${result.value.id}`);
	}
};
