/**
 * One CSV field per RFC 4180, safe to open in a spreadsheet: text that a spreadsheet would run as a
 * formula (starting with = + - @ or a tab/return) is prefixed with an apostrophe.
 */
export function csvField(value: string | number | null | undefined): string {
	let text = value === null || value === undefined ? '' : String(value);
	if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
	return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvRow(values: (string | number | null | undefined)[]): string {
	return values.map(csvField).join(',') + '\r\n';
}

/** Excel reads a file as UTF-8 only with a byte-order mark. */
export const CSV_BOM = '\uFEFF';
