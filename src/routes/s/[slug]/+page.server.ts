import { superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import type { Actions, PageServerLoad } from './$types';
import { attempt, reject } from '$lib/server/forms';
import { publicSignupSchema } from '$lib/server/subscribers/schemas';
import { requestOrigin } from '$lib/server/config';
import { serverCaller } from '$lib/server/trpc/router';

/**
 * The form is plain HTML with SvelteKit's enhance, not a superForm: the page is what visitors
 * load on their phones, and the form library and zod stay on the server (see
 * bench/public-page-js.ts). The action still validates with superforms and zod.
 */
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
	/** The page's own address, for link previews (og:url, og:image). */
	pageUrl: `${requestOrigin(event.url)}/s/${event.params.slug}`
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
