import { z } from 'zod';
import { CLIENT_FIELDS, SESSION_FIELDS } from './columns';
import { MAX_IMPORT_BYTES, MAX_IMPORT_MEGABYTES } from '../../import-limits';
import { MAX_COLUMNS } from './read-csv';

/** The uploaded file's bytes, base64: the same input whether called over HTTP or from a form action. */
const file = z.base64('Choose a CSV file.').max(Math.ceil(MAX_IMPORT_BYTES / 3) * 4 + 4, {
	message: `An import takes at most ${MAX_IMPORT_MEGABYTES} MB.`
});

/** A column of the file by its position, or none. */
const column = z.int().min(0).max(MAX_COLUMNS).nullable().default(null);

const mappingOf = <F extends string>(fields: readonly F[]) =>
	z.object(Object.fromEntries(fields.map((field) => [field, column])) as Record<F, typeof column>);

export const clientMapping = mappingOf(CLIENT_FIELDS);
export const sessionMapping = mappingOf(SESSION_FIELDS);

export const previewSchema = z.object({ kind: z.enum(['clients', 'sessions']), file });

export const importClientsSchema = z.object({
	file,
	mapping: clientMapping,
	/** What to do with a row whose email is already a client's (or an earlier row's). */
	duplicates: z.enum(['skip', 'merge']).default('skip')
});

export const importSessionsSchema = z.object({ file, mapping: sessionMapping });
