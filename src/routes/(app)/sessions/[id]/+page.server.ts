import { fail, redirect } from '@sveltejs/kit';
import { superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import type { Actions, PageServerLoad } from './$types';
import { PRACTICE } from '$lib/dependencies';
import { basisOf, chargeSchema } from '$lib/server/billing/schemas';
import { attempt, attemptButton, confirmed, formFields, reject } from '$lib/server/forms';
import { editorAddenda, editorNote, noteActions } from '$lib/server/notes/editor';
import { setPaymentSchema, setStatusSchema } from '$lib/server/sessions/schemas';
import { serverCaller } from '$lib/server/trpc/router';

const charge = zod4(chargeSchema);

export const load: PageServerLoad = async (event) => {
	event.depends(PRACTICE);
	const caller = serverCaller(event);
	const [session, policy] = await Promise.all([
		caller.sessions.get({ id: event.params.id }),
		caller.billing.policy()
	]);
	const percent = session.charge?.percent ?? 100;
	return {
		session,
		policy,
		chargeForm: await superValidate({ basis: basisOf(percent), percent }, charge),
		note: editorNote(session.note),
		addenda: editorAddenda(session.addenda)
	};
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
	charge: async (event) => {
		const form = await superValidate(event.request, charge);
		if (!form.valid) return reject(form);
		const result = await attempt(form, () =>
			serverCaller(event).billing.setCharge({ ...form.data, id: event.params.id })
		);
		if (!result.ok) return result.failure;
		form.message = { kind: 'success', text: 'Charge saved for this session.' };
		return { form };
	},
	delete: async (event) => {
		const caller = serverCaller(event);
		if (!confirmed(await formFields(event.request))) {
			// Asks only about a session that is there to delete (and sends the signed-out to sign in).
			await caller.sessions.get({ id: event.params.id });
			return { confirm: { action: 'delete' as const } };
		}
		await caller.sessions.delete({ id: event.params.id });
		redirect(303, '/sessions');
	}
};
