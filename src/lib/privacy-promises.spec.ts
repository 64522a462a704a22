import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const PAGE = 'docs/privacy.md';

type Proof = { file: string; title: string };
type PrivacyPromise = { heading: string; proofs: Proof[] };

/** The `### ` promises under `## Promises`, each with the `` - `file` › `title` `` lines under it. */
function promisesOf(markdown: string): PrivacyPromise[] {
	const section = markdown.split(/^## Promises\n/m)[1]?.split(/^## /m)[0] ?? '';
	return section
		.split(/^### /m)
		.slice(1)
		.map((block) => ({
			heading: block.slice(0, block.indexOf('\n')).trim(),
			proofs: [...block.matchAll(/^- `([^`]+)` › `([^`]+)`$/gm)].map(([, file, title]) => ({
				file: file!,
				title: title!
			}))
		}));
}

/**
 * The titles of a test file's tests as written: `it('…'`, `test("…"`, `` it(`…` ``, also after
 * `.each(…)` (the template, placeholders and all) and with the title on the next line.
 */
function testTitles(source: string): Set<string> {
	const call =
		/\b(?:it|test)(?:\.each\((?:[^()]|\([^()]*\))*\))?\(\s*(['"`])((?:\\.|(?!\1)[^\\])*)\1/g;
	return new Set([...source.matchAll(call)].map(([, , title]) => title!.replace(/\\(.)/g, '$1')));
}

/** What is wrong with the page's promises: each one a sentence. */
function problemsWith(markdown: string, readFile: (path: string) => string | null) {
	const promises = promisesOf(markdown);
	if (promises.length === 0) return [`${PAGE} lists no promise under "## Promises"`];
	return promises.flatMap(({ heading, proofs }) => {
		if (proofs.length === 0) return [`“${heading}” names no test`];
		return proofs.flatMap(({ file, title }) => {
			const source = readFile(file);
			if (source === null) return [`“${heading}” names ${file}, which does not exist`];
			return testTitles(source).has(title)
				? []
				: [`“${heading}” names a test ${file} does not have: ${title}`];
		});
	});
}

const readInRepository = (path: string) => {
	const file = resolve(root, path);
	return file.startsWith(root + '/') && existsSync(file) ? readFileSync(file, 'utf8') : null;
};

describe(PAGE, () => {
	it('names, for every promise, tests that exist under the titles it gives', () => {
		expect(problemsWith(readFileSync(resolve(root, PAGE), 'utf8'), readInRepository)).toEqual([]);
	});
});

describe('reading test titles', () => {
	it('finds it, test and it.each titles in either quote, also on the next line', () => {
		const source = [
			"it('keeps a \\'quoted\\' word', () => {});",
			'test(\n\t"on the next line",\n\tasync () => {}\n);',
			"it.each([[1, 'a'], [2, f(3)]])('template %s for $name', () => {});",
			'it(`in backticks`, () => {});',
			"describe('not a test', () => {});"
		].join('\n');
		expect([...testTitles(source)]).toEqual([
			"keeps a 'quoted' word",
			'on the next line',
			'template %s for $name',
			'in backticks'
		]);
	});
});
