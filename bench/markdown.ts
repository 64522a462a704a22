/**
 * `npm run bench:markdown`: what the longest note or series description (20,000 characters) costs
 * to show, written to be as slow as it can, against plain prose of the same length. Each text goes
 * through what a page does with it: renderNote (markdown, then the sanitiser) and noteText (the
 * dashboard's excerpt). Prints the median of a few runs, and its ratio to the prose.
 */
import { performance } from 'node:perf_hooks';
import { noteText, renderNote } from '../src/lib/server/notes/markdown';
import { intSetting, printTable } from './support';

/** The most characters a note, an addendum or a series description holds. */
const LENGTH = 20_000;
const RUNS = intSetting('BENCH_MARKDOWN_RUNS', 5, 1, 100);
/** One showing of a page should not hold the server longer than this. */
const TARGET_MS = 500;

const filled = (unit: string) => unit.repeat(Math.ceil(LENGTH / unit.length)).slice(0, LENGTH);

/**
 * Texts that made markdown parsers slow: unclosed links and emphasis, deep nesting, many bare
 * addresses, HTML the sanitiser reads. The repeated units are the slowest of every three-character
 * mix of markdown's marks found by a search, plus the cases known from parsers' bug reports.
 */
const TEXTS: [name: string, text: string][] = [
	['plain prose (baseline)', filled('Slept better this week; calmer at work. ')],
	["unclosed links and emphasis '[*a'", filled('[*a')],
	["nested quotes '>'", filled('>')],
	["unclosed images '![\"'", filled('!["')],
	["entities and links '&[)'", filled('&[)')],
	["emphasis runs '**_'", filled('**_')],
	["unclosed code '`a``'", filled('`a``')],
	['nested brackets', `${'['.repeat(LENGTH / 2 - 1)}a${']'.repeat(LENGTH / 2)}`],
	['bare addresses', filled('www.a.b https://c.d e@f.gh ')],
	['task list', filled('- [x] done\n')],
	['nested list', Array.from({ length: 800 }, (_, i) => `${' '.repeat(i % 40)}- a`).join('\n')],
	['wide table', `${'|a'.repeat(3000)}\n${'|-'.repeat(3000)}\n${'|b'.repeat(3000)}`],
	// markdown-it fills short rows with empty cells: 65,000 of them for 1,453 characters.
	[
		'short rows under wide headers',
		filled(`${'|a'.repeat(181)}|\n${'|-'.repeat(181)}|\n${'x\n'.repeat(362)}\n`)
	],
	[
		'a long reference used often',
		`[a]: https://x.example/${'x'.repeat(10_000)}\n\n${'[a]'.repeat(3300)}`
	],
	["unclosed HTML '<a '", filled('<a ')]
];

function medianMs(text: string): number {
	const times = Array.from({ length: RUNS }, () => {
		const started = performance.now();
		renderNote(text);
		noteText(text);
		return performance.now() - started;
	});
	return times.sort((a, b) => a - b)[Math.floor(RUNS / 2)]!;
}

// Compiles the code paths once, so that the first text does not pay for it.
medianMs(TEXTS[0]![1]);
const results = TEXTS.map(([name, text]) => ({ name, chars: text.length, ms: medianMs(text) }));
const baseline = results[0]!.ms;
printTable(
	['text', 'chars', 'median ms', '× prose', 'target'],
	results.map(({ name, chars, ms }) => [
		name,
		chars.toLocaleString('en'),
		`${ms.toFixed(1)} ${ms < TARGET_MS ? '✓' : '✗'}`,
		(ms / baseline).toFixed(1),
		`< ${TARGET_MS} ms`
	])
);
