import { superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import type { Actions, PageServerLoad } from './$types';
import { PRACTICE } from '$lib/dependencies';
import { attempt, reject } from '$lib/server/forms';
import { markPaidSchema } from '$lib/server/sessions/schemas';
import { todayIn } from '$lib/server/time-zones';
import { serverCaller } from '$lib/server/trpc/router';

const schema = zod4(markPaidSchema);

export const load: PageServerLoad = async (event) => {
	event.depends(PRACTICE);
	const clientId = event.url.searchParams.get('client') || undefined;
	const caller = serverCaller(event);
	const [unpaid, clients] = await Promise.all([
		caller.sessions.unpaid({ clientId }),
		caller.clients.choices()
	]);
	return {
		unpaid,
		clients,
		clientId: clientId ?? '',
		form: await superValidate({ ids: [], paidOn: todayIn(event.locals.user!.timeZone) }, schema, {
			errors: false
		})
	};
};

export const actions: Actions = {
	default: async (event) => {
		const form = await superValidate(event.request, schema);
		if (!form.valid) return reject(form);
		const result = await attempt(form, () => serverCaller(event).sessions.markPaid(form.data));
		if (!result.ok) return result.failure;
		const marked = result.value.ids.length;
		form.message = {
			kind: 'success',
			text: `Marked ${marked} session${marked === 1 ? '' : 's'} paid.`
		};
		form.data.ids = [];
		return { form };
	}
};
