import PDFDocument from 'pdfkit';
import { formatMoney } from '../../money';
import { statementView, type StatementTable, type StatementView } from '../../statement-view';
import type { Statement } from './statements';

/**
 * pdfkit's standard fonts (Helvetica) draw only the Windows-1252 characters: Latin-1 and a few
 * more. Anything else would come out as a wrong glyph, so it is folded to a near letter (ễ → e,
 * Ł → L) or, when there is none (Cyrillic, CJK…), written "?" and the PDF says so. The page in
 * the app shows every character; embedding a font for all scripts would weigh megabytes.
 */
const CP1252_EXTRAS = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');
const NO_DECOMPOSITION: Record<string, string> = {
	Ł: 'L',
	ł: 'l',
	Đ: 'D',
	đ: 'd',
	Ħ: 'H',
	ħ: 'h',
	ı: 'i',
	'\u2212': '-',
	'\u2011': '-'
};

function drawable(char: string): boolean {
	const code = char.codePointAt(0)!;
	return (
		(code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff) || CP1252_EXTRAS.has(char)
	);
}

/** The text as the standard fonts can draw it, and whether anything had to be left out. */
export function drawableText(text: string): { text: string; lossy: boolean } {
	let lossy = false;
	let out = '';
	for (const char of text) {
		if (drawable(char)) {
			out += char;
			continue;
		}
		// Narrow and thin spaces (in formatted dates and amounts) become plain ones here too.
		const folded =
			NO_DECOMPOSITION[char] ??
			(/\s/.test(char) ? ' ' : char.normalize('NFKD').replace(/\p{M}/gu, ''));
		if (folded && [...folded].every(drawable)) {
			out += folded;
		} else {
			out += '?';
			lossy = true;
		}
	}
	return { text: out, lossy };
}

/** An amount with its symbol when the font can draw it (€, £, $), else with its code (INR). */
function pdfMoney(minor: number, currency: string, locale: string): string {
	const withSymbol = formatMoney(minor, currency, locale);
	return drawableText(withSymbol).lossy ? formatMoney(minor, currency, locale, 'code') : withSymbol;
}

/** A file name for the download: ASCII letters, digits and dashes only. */
export function statementFileName(clientName: string, from: string, to: string): string {
	const slug =
		clientName
			.normalize('NFKD')
			.replace(/\p{M}/gu, '')
			.toLowerCase()
			.replace(/[^a-z0-9]+/g, '-')
			.replace(/^-+|-+$/g, '')
			.slice(0, 40)
			.replace(/-+$/, '') || 'client';
	return `statement-${slug}-${from}-${to}.pdf`;
}

type Column = StatementTable['columns'][number] & { width: number };

const MARGIN = 50;

/** Draws the statement on A4 pages and returns the PDF file. */
export function statementPdf(statement: Statement): Promise<Buffer> {
	const view: StatementView = statementView(statement, pdfMoney);
	const doc = new PDFDocument({
		size: 'A4',
		margin: MARGIN,
		info: {
			// Document properties are UTF-16: the client's name is kept whole there.
			Title: `Statement for ${statement.client.name}, ${view.period}`,
			Author: view.practice.name,
			Creator: 'Sessionboard'
		}
	});
	const chunks: Buffer[] = [];
	doc.on('data', (chunk: Buffer) => chunks.push(chunk));
	const done = new Promise<Buffer>((resolve, reject) => {
		doc.on('end', () => resolve(Buffer.concat(chunks)));
		doc.on('error', reject);
	});

	let lossy = false;
	const safe = (text: string) => {
		const result = drawableText(text);
		lossy ||= result.lossy;
		return result.text;
	};
	const width = doc.page.width - 2 * MARGIN;
	const bottom = () => doc.page.height - doc.page.margins.bottom;
	const line = (text: string, font = 'Helvetica', size = 10) =>
		doc.font(font).fontSize(size).text(safe(text), MARGIN, doc.y, { width });

	line(view.practice.name, 'Helvetica-Bold', 16);
	for (const addressLine of view.practice.addressLines) line(addressLine);
	if (view.practice.taxId) line(`Tax ID: ${view.practice.taxId}`);
	doc.moveDown(1.5);
	line('Statement', 'Helvetica-Bold', 20);
	doc.moveDown(0.3);
	line(`Client: ${view.client.name}`, 'Helvetica-Bold', 11);
	if (view.client.email) line(view.client.email);
	line(`Period: ${view.period}`);
	line(`Times in ${view.timeZone}`);

	/** One row of cells; a row that would not fit starts a new page, which `onNewPage` heads. */
	function row(columns: Column[], cells: string[], font = 'Helvetica', onNewPage?: () => void) {
		const texts = cells.map(safe);
		const height = Math.max(
			...texts.map((text, i) =>
				doc
					.font(font)
					.fontSize(10)
					.heightOfString(text, { width: columns[i]!.width - 6 })
			)
		);
		if (doc.y + height > bottom()) {
			doc.addPage();
			onNewPage?.();
		}
		const top = doc.y;
		let x = MARGIN;
		texts.forEach((text, i) => {
			const column = columns[i]!;
			doc
				.font(font)
				.fontSize(10)
				.text(text, x, top, { width: column.width - 6, align: column.align ?? 'left' });
			x += column.width;
		});
		doc.y = top + height + 4;
	}

	/** A heading that stays with at least `room` points of what follows it. */
	function heading(text: string, room: number) {
		doc.moveDown(1.2);
		if (doc.y + room > bottom()) doc.addPage();
		line(text, 'Helvetica-Bold', 13);
		doc.moveDown(0.3);
	}

	/** A table whose header row repeats on every page it runs onto. */
	function table(title: string, columns: Column[], rows: string[][], empty: string) {
		heading(title, 70);
		if (!rows.length) {
			line(empty);
			return;
		}
		const header = () => {
			row(
				columns,
				columns.map((column) => column.title),
				'Helvetica-Bold'
			);
			doc
				.moveTo(MARGIN, doc.y - 2)
				.lineTo(MARGIN + width, doc.y - 2)
				.lineWidth(0.5)
				.stroke('#000000');
		};
		header();
		for (const cells of rows) row(columns, cells, 'Helvetica', header);
	}

	// Widths in points of the A4 page's 495 between the margins.
	const widths = { sessions: [180, 95, 80, 140], payments: [120, 235, 140] };
	for (const name of ['sessions', 'payments'] as const) {
		const { title, columns, rows, empty } = view[name];
		table(
			title,
			columns.map((column, i) => ({ ...column, width: widths[name][i]! })),
			rows.map((row) => row.cells),
			empty
		);
	}
	const balanceColumns: Column[] = [
		{ title: '', width: width - 160 },
		{ title: '', width: 160, align: 'right' }
	];
	for (const total of view.totals) {
		heading(`Balance in ${total.currency}`, 110);
		for (const cells of total.rows) row(balanceColumns, cells);
		row(balanceColumns, total.balance, 'Helvetica-Bold');
	}
	if (!view.totals.length) {
		doc.moveDown(1.2);
		line('Nothing billed or paid, and nothing owed.');
	}
	if (lossy) {
		doc.moveDown(1.5);
		line(
			'Some characters cannot be shown in this PDF and are written as "?". The statement page in Sessionboard shows them in full.',
			'Helvetica-Oblique',
			9
		);
	}
	doc.end();
	return done;
}
