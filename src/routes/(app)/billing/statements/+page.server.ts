import { redirect } from '@sveltejs/kit';
import { superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import type { Actions, PageServerLoad } from './$types';
import { PRACTICE } from '$lib/dependencies';
import { chosenPeriod, quarterOf } from '$lib/server/billing/periods';
import { statementChoiceSchema } from '$lib/server/billing/statement-schemas';
import { reject } from '$lib/server/forms';
import { todayIn } from '$lib/server/time-zones';
import { serverCaller } from '$lib/server/trpc/router';

const schema = zod4(statementChoiceSchema);

export const load: PageServerLoad = async (event) => {
	event.depends(PRACTICE);
	const today = todayIn(event.locals.user!.timeZone);
	const initial = {
		clientId: event.url.searchParams.get('clientId') ?? '',
		period: 'month' as const,
		month: today.slice(0, 7),
		quarter: quarterOf(today),
		year: today.slice(0, 4),
		from: `${today.slice(0, 7)}-01`,
		to: today
	};
	return {
		form: await superValidate(initial, schema, { errors: false }),
		clients: await serverCaller(event).clients.choices(),
		thisYear: Number(today.slice(0, 4))
	};
};

export const actions: Actions = {
	default: async (event) => {
		const form = await superValidate(event.request, schema);
		if (!form.valid) return reject(form);
		const { from, to } = chosenPeriod(form.data);
		redirect(303, `/billing/statements/${form.data.clientId}?${new URLSearchParams({ from, to })}`);
	}
};
