import type { Page } from '@playwright/test';

/** How far the page scrolls sideways: 0 when everything fits the viewport's width. */
export async function sidewaysOverflow(page: Page): Promise<number> {
	return page.evaluate(() => {
		const root = document.scrollingElement ?? document.documentElement;
		return root.scrollWidth - root.clientWidth;
	});
}
