import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';

/** Where screenshots for a human to look at go; none are taken unless it is set. */
export const SHOTS_DIR = process.env.E2E_SHOTS_DIR;

/** The page at desktop and tablet-portrait size, as `<name>-<size>.png`; the viewport is restored. */
export async function screenshots(page: Page, name: string): Promise<void> {
	if (!SHOTS_DIR) return;
	mkdirSync(SHOTS_DIR, { recursive: true });
	const before = page.viewportSize();
	for (const viewport of [
		{ width: 1280, height: 800 },
		{ width: 820, height: 1180 }
	]) {
		await page.setViewportSize(viewport);
		await page.screenshot({
			path: join(SHOTS_DIR, `${name}-${viewport.width}x${viewport.height}.png`)
		});
	}
	if (before) await page.setViewportSize(before);
}
