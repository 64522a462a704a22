import type { ActionResult, SubmitFunction } from '@sveltejs/kit';

/**
 * Follows a form's redirect to another site (Stripe's onboarding, Checkout, portal) as a plain
 * form post would: SvelteKit's enhance would try to open that address inside the app. False for
 * every other result, which the form then handles as usual.
 */
export function leftForOtherSite(result: ActionResult): boolean {
	if (
		result.type !== 'redirect' ||
		new URL(result.location, location.href).origin === location.origin
	) {
		return false;
	}
	location.assign(result.location);
	return true;
}

/** `use:enhance` for a form that may lead to another site. */
export const leaveForOtherSite: SubmitFunction =
	() =>
	async ({ result, update }) => {
		if (!leftForOtherSite(result)) await update();
	};
