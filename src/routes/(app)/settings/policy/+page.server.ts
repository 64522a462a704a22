import { superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import type { Actions, PageServerLoad } from './$types';
import { basisOf, policySchema } from '$lib/server/billing/schemas';
import { attempt, reject } from '$lib/server/forms';
import { serverCaller } from '$lib/server/trpc/router';

const schema = zod4(policySchema);

export const load: PageServerLoad = async (event) => {
	const policy = await serverCaller(event).billing.policy();
	return {
		form: await superValidate(
			{
				noShowBasis: basisOf(policy.noShowPercent),
				noShowPercent: policy.noShowPercent,
				lateCancelBasis: basisOf(policy.lateCancelPercent),
				lateCancelPercent: policy.lateCancelPercent,
				lateCancelWindowHours: policy.lateCancelWindowHours
			},
			schema
		)
	};
};

export const actions: Actions = {
	default: async (event) => {
		const form = await superValidate(event.request, schema);
		if (!form.valid) return reject(form);
		const result = await attempt(form, () => serverCaller(event).billing.savePolicy(form.data));
		if (!result.ok) return result.failure;
		form.message = { kind: 'success', text: 'Saved. It applies to statuses you set from now on.' };
		return { form };
	}
};
