import { redirect } from '@sveltejs/kit';
import { superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import type { Actions, PageServerLoad } from './$types';
import { clientFields } from '$lib/server/clients/schemas';
import { attempt, reject } from '$lib/server/forms';
import { serverCaller } from '$lib/server/trpc/router';

const schema = zod4(clientFields);

export const load: PageServerLoad = async (event) => {
	const { client } = await serverCaller(event).clients.get({ id: event.params.id });
	const values = {
		name: client.name,
		email: client.email ?? '',
		phone: client.phone ?? '',
		notes: client.notes,
		tags: client.tags.join(', ')
	};
	return { client, form: await superValidate(values, schema) };
};

export const actions: Actions = {
	default: async (event) => {
		const form = await superValidate(event.request, schema);
		if (!form.valid) return reject(form);
		const result = await attempt(form, () =>
			serverCaller(event).clients.update({ id: event.params.id, ...form.data })
		);
		if (!result.ok) return result.failure;
		redirect(303, `/clients/${event.params.id}`);
	}
};
