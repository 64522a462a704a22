import { superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import type { Actions, PageServerLoad } from './$types';
import { attempt, reject } from '$lib/server/forms';
import { publicSignupSchema } from '$lib/server/subscribers/schemas';
import { serverCaller } from '$lib/server/trpc/router';

const schema = zod4(publicSignupSchema);

/** Back from Stripe Checkout: paid (`?paid=<session>`), or left without paying. */
function returnFromCheckout(url: URL) {
	if (url.searchParams.has('paid')) return { kind: 'paid' as const };
	if (url.searchParams.get('checkout') !== 'cancelled') return null;
	const until = Number(url.searchParams.get('until'));
	return {
		kind: 'cancelled' as const,
		keptUntil: Number.isSafeInteger(until) && until > 0 ? new Date(until) : null
	};
}

export const load: PageServerLoad = async (event) => ({
	series: await serverCaller(event).subscribers.publicSeries({ slug: event.params.slug }),
	checkout: returnFromCheckout(event.url),
	form: await superValidate(schema)
});

export const actions: Actions = {
	default: async (event) => {
		const form = await superValidate(event.request, schema);
		if (!form.valid) return reject(form);
		const result = await attempt(form, () =>
			serverCaller(event).subscribers.signUp({ slug: event.params.slug, fields: form.data })
		);
		if (!result.ok) return result.failure;
		form.message = {
			kind: 'success',
			text: `Almost done: we sent a link to ${result.value.email}. Open it to confirm your place.`
		};
		return { form };
	}
};
