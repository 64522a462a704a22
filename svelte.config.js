import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	kit: {
		adapter: adapter(),
		// SvelteKit's own origin check is off ('*' trusts every origin): hooks.server.ts does it
		// instead, to let the RFC 8058 one-click unsubscribe through.
		csrf: { trustedOrigins: ['*'] },
		csp: {
			mode: 'auto',
			directives: {
				'default-src': ['self'],
				'script-src': ['self'],
				'style-src': ['self', 'unsafe-inline'],
				'img-src': ['self', 'data:'],
				'font-src': ['self'],
				'connect-src': ['self'],
				// A form may lead on to Stripe's hosted pages (onboarding, Checkout, the customer
				// portal), to Zoom's sign-in or to Google's (linking Google from settings): browsers
				// hold a form's redirect to this list too.
				'form-action': [
					'self',
					'https://accounts.google.com',
					'https://connect.stripe.com',
					'https://checkout.stripe.com',
					'https://billing.stripe.com',
					'https://zoom.us'
				],
				'base-uri': ['self'],
				'object-src': ['none'],
				'frame-ancestors': ['none']
			}
		}
	}
};

export default config;
