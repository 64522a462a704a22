import { existsSync } from 'node:fs';
import type { LaunchOptions } from '@playwright/test';

/**
 * The system's Chromium, never a downloaded one: Debian's package, or PLAYWRIGHT_CHROMIUM_PATH.
 * Resolved when the config loads, so a missing browser stops the run at once, saying how to fix it.
 */
function chromiumPath(): string {
	const configured = process.env.PLAYWRIGHT_CHROMIUM_PATH;
	if (configured) {
		if (existsSync(configured)) return configured;
		throw new Error(
			`PLAYWRIGHT_CHROMIUM_PATH is ${configured}, but no file is there. Point it at a Chromium executable, or unset it and install Debian's: apt-get install -y chromium`
		);
	}
	if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
	throw new Error(
		'The browser tests need Chromium, and /usr/bin/chromium is missing. Install it with `apt-get install -y chromium` (Debian/Ubuntu), or set PLAYWRIGHT_CHROMIUM_PATH to a Chromium executable.'
	);
}

/**
 * How every browser test starts Chromium, the cluster tests' too: the system's, with what a
 * container without a GPU or a user namespace needs, and none of its own traffic to Google.
 */
export function chromiumLaunchOptions(): LaunchOptions {
	return {
		executablePath: chromiumPath(),
		args: [
			'--no-sandbox',
			'--disable-gpu',
			'--disable-background-networking',
			'--disable-component-update',
			'--disable-sync'
		]
	};
}
