import AxeBuilder from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';
import { sidewaysOverflow } from './layout';
import { screenshots } from './shots';

/** axe's serious and critical findings on the page as it is now, one readable line each. */
export async function seriousViolations(page: Page): Promise<string[]> {
	const { violations } = await new AxeBuilder({ page }).analyze();
	return violations
		.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
		.map((violation) => {
			const where = violation.nodes.map((node) => node.target.join(' ')).join(', ');
			return `${violation.id} (${violation.impact}): ${violation.help} at ${where}`;
		});
}

/**
 * axe's serious findings and sideways scrolling at desktop and tablet-portrait size (none
 * expected, each reported without stopping the test), then a screenshot of both for a person to
 * look at; the viewport is restored.
 */
export async function expectAccessibleAtBothSizes(page: Page, name: string): Promise<void> {
	const before = page.viewportSize();
	for (const size of [
		{ width: 1280, height: 800 },
		{ width: 820, height: 1180 }
	]) {
		await page.setViewportSize(size);
		const where = `${name} at ${size.width}×${size.height}`;
		expect.soft(await seriousViolations(page), where).toEqual([]);
		expect.soft(await sidewaysOverflow(page), where).toBe(0);
	}
	if (before) await page.setViewportSize(before);
	await screenshots(page, name);
}
