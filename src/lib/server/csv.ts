/**
 * Text that a spreadsheet would run as a formula (starting with = + - @ or a tab/return),
 * prefixed with an apostrophe so that it shows as the text it is.
 */
export function defuseFormula(text: string): string {
	return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/** One CSV field per RFC 4180, safe to open in a spreadsheet (see defuseFormula). */
export function csvField(value: string | number | null | undefined): string {
	const text = defuseFormula(value === null || value === undefined ? '' : String(value));
	return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvRow(values: (string | number | null | undefined)[]): string {
	return values.map(csvField).join(',') + '\r\n';
}

/** Excel reads a file as UTF-8 only with a byte-order mark. */
export const CSV_BOM = '\uFEFF';
