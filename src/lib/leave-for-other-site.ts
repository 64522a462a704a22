import type { SubmitFunction } from '@sveltejs/kit';

/**
 * For a form whose action redirects to another site (Stripe's onboarding, Checkout, portal):
 * SvelteKit's enhance would try to open that address inside the app, so the browser goes there
 * itself, as after a plain form post. Other results update the page as usual.
 */
export const leaveForOtherSite: SubmitFunction =
	() =>
	async ({ result, update }) => {
		if (
			result.type === 'redirect' &&
			new URL(result.location, location.href).origin !== location.origin
		) {
			location.assign(result.location);
		} else {
			await update();
		}
	};
