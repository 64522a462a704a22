import type { Page } from '@playwright/test';

/** How far the page scrolls sideways: 0 when everything fits the viewport's width. */
export async function sidewaysOverflow(page: Page): Promise<number> {
	return page.evaluate(() => {
		const root = document.scrollingElement ?? document.documentElement;
		return root.scrollWidth - root.clientWidth;
	});
}

/**
 * Waits until colour transitions (buttons fade to a new scheme's colours) have landed, so that a
 * contrast check sees the final colours. A transition that never runs (its element hidden) would
 * never finish: after a second it is left.
 */
export async function transitionsSettled(page: Page): Promise<void> {
	await page.evaluate(() =>
		Promise.race([
			Promise.all(
				document
					.getAnimations()
					.filter((animation) => animation instanceof CSSTransition)
					.map((animation) => animation.finished)
			),
			new Promise((resolve) => setTimeout(resolve, 1000))
		])
	);
}
