import { fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { PRACTICE } from '$lib/dependencies';
import { attemptButton, formFields } from '$lib/server/forms';
import { editorAddenda, editorNote, noteActions } from '$lib/server/notes/editor';
import { setPaymentSchema, setStatusSchema } from '$lib/server/sessions/schemas';
import { serverCaller } from '$lib/server/trpc/router';

export const load: PageServerLoad = async (event) => {
	event.depends(PRACTICE);
	const session = await serverCaller(event).sessions.get({ id: event.params.id });
	return { session, note: editorNote(session.note), addenda: editorAddenda(session.addenda) };
};

export const actions: Actions = {
	...noteActions,
	status: async (event) => {
		const data = await formFields(event.request);
		const input = setStatusSchema.safeParse({ ...data, id: event.params.id });
		if (!input.success) return fail(400, { problem: 'Choose a status.' });
		return attemptButton(() => serverCaller(event).sessions.setStatus(input.data));
	},
	payment: async (event) => {
		const data = await formFields(event.request);
		const input = setPaymentSchema.safeParse({
			...data,
			paidOn: data.paidOn || undefined,
			id: event.params.id
		});
		if (!input.success) return fail(400, { problem: 'Choose a payment status and a valid date.' });
		return attemptButton(() => serverCaller(event).sessions.setPayment(input.data));
	},
	delete: async (event) => {
		await serverCaller(event).sessions.delete({ id: event.params.id });
		redirect(303, '/sessions');
	}
};
