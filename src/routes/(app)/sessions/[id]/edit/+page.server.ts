import { redirect } from '@sveltejs/kit';
import { superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import type { Actions, PageServerLoad } from './$types';
import { fromMinorUnits } from '$lib/money';
import { attempt, reject } from '$lib/server/forms';
import { editSessionSchema } from '$lib/server/sessions/schemas';
import { timeZoneChoices } from '$lib/server/time-zones';
import { serverCaller } from '$lib/server/trpc/router';

const schema = zod4(editSessionSchema);

function localParts(instant: Date, timeZone: string) {
	const date = new Intl.DateTimeFormat('en-CA', { timeZone }).format(instant);
	const time = new Intl.DateTimeFormat('en-GB', {
		hour: '2-digit',
		minute: '2-digit',
		hourCycle: 'h23',
		timeZone
	}).format(instant);
	return { date, startTime: time };
}

export const load: PageServerLoad = async (event) => {
	const caller = serverCaller(event);
	const [session, clients, zoom] = await Promise.all([
		caller.sessions.get({ id: event.params.id }),
		caller.clients.choices(),
		caller.zoom.health()
	]);
	const values = {
		clientId: session.clientId,
		...localParts(session.startsAt, session.timeZone),
		durationMinutes: Math.round((session.endsAt.getTime() - session.startsAt.getTime()) / 60_000),
		timeZone: session.timeZone,
		locationKind: session.locationKind,
		locationDetail: session.locationDetail,
		// The full fee: a no-show or late cancellation is charged a share of it.
		fee: fromMinorUnits(session.charge?.listFeeMinor ?? session.feeMinor, session.currency),
		currency: session.currency
	};
	// An archived client is not among the choices, but stays this session's client.
	const choices = clients.some((c) => c.id === session.clientId)
		? clients
		: [{ id: session.clientId, name: session.clientName }, ...clients];
	return {
		session,
		form: await superValidate(values, schema),
		clients: choices,
		timeZones: timeZoneChoices(session.timeZone),
		currencies: Intl.supportedValuesOf('currency'),
		zoomConnected: zoom.connected
	};
};

export const actions: Actions = {
	default: async (event) => {
		const form = await superValidate(event.request, schema);
		if (!form.valid) return reject(form);
		const result = await attempt(form, () =>
			serverCaller(event).sessions.update({ ...form.data, id: event.params.id })
		);
		if (!result.ok) return result.failure;
		redirect(303, `/sessions/${event.params.id}`);
	}
};
