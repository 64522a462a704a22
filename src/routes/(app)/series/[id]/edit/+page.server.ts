import { redirect } from '@sveltejs/kit';
import { superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import type { Actions, PageServerLoad } from './$types';
import { fromMinorUnits, paidCurrencyFor, STRIPE_CURRENCIES } from '$lib/money';
import { attempt, reject } from '$lib/server/forms';
import { seriesFields, weekdayFields } from '$lib/server/series/schemas';
import { timeZoneChoices } from '$lib/server/time-zones';
import { serverCaller } from '$lib/server/trpc/router';

const schema = zod4(seriesFields);

export const load: PageServerLoad = async (event) => {
	const { series, paymentsBlocked } = await serverCaller(event).series.get({
		id: event.params.id
	});
	const values = {
		title: series.title,
		slug: series.slug,
		description: series.description,
		timeZone: series.timeZone,
		...weekdayFields(series.weekdays),
		startTime: series.localStartTime.slice(0, 5),
		startDate: series.startDate,
		endKind: series.endDate
			? ('date' as const)
			: series.occurrenceCount
				? ('count' as const)
				: ('never' as const),
		endDate: series.endDate ?? '',
		occurrenceCount: series.occurrenceCount ?? 10,
		durationMinutes: series.durationMinutes,
		capacity: series.capacity,
		locationKind: series.locationKind,
		locationDetail: series.locationDetail,
		remind24h: series.reminderOffsets.includes(1440),
		remind1h: series.reminderOffsets.includes(60),
		pricing: series.priceMinor === null ? ('free' as const) : ('paid' as const),
		price:
			series.priceMinor === null || series.currency === null
				? ''
				: fromMinorUnits(series.priceMinor, series.currency),
		currency: series.currency ?? paidCurrencyFor(event.locals.user!.currency),
		billingInterval: series.billingInterval ?? ('month' as const)
	};
	return {
		series,
		form: await superValidate(values, schema),
		timeZones: timeZoneChoices(series.timeZone),
		currencies: STRIPE_CURRENCIES,
		paymentsBlocked,
		zoomConnected: (await serverCaller(event).zoom.health()).connected
	};
};

export const actions: Actions = {
	default: async (event) => {
		const form = await superValidate(event.request, schema);
		if (!form.valid) return reject(form);
		const result = await attempt(form, () =>
			serverCaller(event).series.update({ id: event.params.id, fields: form.data })
		);
		if (!result.ok) return result.failure;
		redirect(303, `/series/${event.params.id}`);
	}
};
