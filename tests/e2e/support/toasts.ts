import type { Locator, Page } from '@playwright/test';

/**
 * A toast with this text, in the app's one live region (role=status) where toasts are announced:
 * src/lib/components/ui/ToastHost.svelte.
 */
export function toast(page: Page, text: string | RegExp): Locator {
	return page
		.getByRole('status')
		.filter({ has: page.getByTestId('toast') })
		.getByTestId('toast')
		.filter({ hasText: text });
}
