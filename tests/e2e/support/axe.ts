import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';

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
