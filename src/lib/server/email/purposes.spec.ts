import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Email } from './mailer';
import {
	accountEmailPurposes,
	checkedPurpose,
	farewellEmailPurposes,
	subscriberEmailPurposes,
	type EmailPurpose
} from './purposes';

const root = resolve(import.meta.dirname, '../../../..');
const listed = Object.keys({
	...accountEmailPurposes,
	...subscriberEmailPurposes,
	...farewellEmailPurposes
});

function sourceFiles(dir: string): string[] {
	return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
		const path = join(dir, entry.name);
		if (entry.isDirectory()) return sourceFiles(path);
		return /\.(ts|svelte)$/.test(entry.name) && !entry.name.endsWith('.spec.ts') ? [path] : [];
	});
}

/**
 * Every purpose the app's code gives an email, read from its source: `purpose: '…'` (or a
 * template, kept as a pattern), and the purpose argument of the helpers that build subscriber
 * emails (`subscriberEmail`, `queueSubscriptionEmail`): the quoted words on its first line that has any.
 */
function purposesInSource(): string[] {
	const found: string[] = [];
	for (const file of sourceFiles(resolve(root, 'src'))) {
		const source = readFileSync(file, 'utf8');
		for (const [, quote, text] of source.matchAll(/\bpurpose: (['`])([^'`]+)\1/g)) {
			found.push(quote === '`' ? text!.replace(/\$\{[^}]+\}/g, '*') : text!);
		}
		for (const [, line] of source.matchAll(
			/\b(?:subscriberEmail|queueSubscriptionEmail)\([^']*?\n?([^\n']*'[^\n]*)/g
		)) {
			found.push(...[...line!.matchAll(/'([a-z]+(?:-[a-z]+)+)'/g)].map(([, word]) => word!));
		}
	}
	return found;
}

function matching(pattern: string): string[] {
	const expression = new RegExp(`^${pattern.replaceAll('*', '[a-z-]+')}$`);
	return listed.filter((purpose) => expression.test(purpose));
}

const plain: Email = { to: 'someone@example.com', subject: 'Hello', text: 'Hello', html: 'Hello' };

describe('email purposes', () => {
	it('every purpose the code queues is one of the listed transactional purposes', () => {
		const used = purposesInSource();
		const unlisted = used.filter((purpose) => matching(purpose).length === 0);
		expect(unlisted).toEqual([]);
		// And the list holds nothing the code no longer sends.
		expect(listed.filter((purpose) => !used.flatMap(matching).includes(purpose))).toEqual([]);
	});

	it('refuses a purpose that is not listed', () => {
		expect(() => checkedPurpose('newsletter' as EmailPurpose, plain)).toThrow(
			'No email purpose "newsletter" is listed as transactional'
		);
		expect(checkedPurpose('password-changed', plain)).toBe('password-changed');
	});

	it('refuses a subscriber email without its unsubscribe headers', () => {
		expect(() => checkedPurpose('series-reminder', plain)).toThrow('List-Unsubscribe');
		const withLink = { ...plain, headers: { 'List-Unsubscribe': '<https://x.test/u/1>' } };
		expect(() => checkedPurpose('series-reminder', withLink)).toThrow('List-Unsubscribe');
		const headers = { ...withLink.headers, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
		expect(checkedPurpose('series-reminder', { ...plain, headers })).toBe('series-reminder');
	});

	it('names every purpose in docs/privacy.md', () => {
		const page = readFileSync(resolve(root, 'docs/privacy.md'), 'utf8');
		expect(listed.filter((purpose) => !page.includes(`\`${purpose}\``))).toEqual([]);
	});
});
