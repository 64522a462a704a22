/** How large a CSV import may be: the server refuses more, and the import pages say so. */
export const MAX_IMPORT_MEGABYTES = 10;
export const MAX_IMPORT_BYTES = MAX_IMPORT_MEGABYTES * 1024 * 1024;
export const MAX_IMPORT_ROWS = 100_000;
export const MAX_IMPORT_ROWS_TEXT = MAX_IMPORT_ROWS.toLocaleString('en');
