import { fail, type RequestEvent } from '@sveltejs/kit';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { ZodError } from 'zod';
import { formFields } from '../forms';
import { serverCaller } from '../trpc/router';
import { CLIENT_FIELDS, SESSION_FIELDS, type ImportKind } from './columns';

/**
 * The import page's two steps as form actions, so that they work without JavaScript too: `preview`
 * reads the file and guesses the columns, `import` checks every row and imports. Both send the file
 * itself (the page's script shows the upload's progress); nothing is kept between them.
 */
export function importActions(kind: ImportKind) {
	const fields: readonly string[] = kind === 'clients' ? CLIENT_FIELDS : SESSION_FIELDS;

	async function upload(event: RequestEvent) {
		const data = await formFields(event.request);
		const chosen = data.file;
		if (!(chosen instanceof File) || chosen.size === 0) {
			return { data, problem: fail(400, { problem: 'Choose a CSV file to import.' }) };
		}
		const file = Buffer.from(await chosen.arrayBuffer()).toString('base64');
		return { data, file, fileName: chosen.name };
	}

	async function refusalOf(call: () => Promise<object>) {
		try {
			return await call();
		} catch (error) {
			if (!(error instanceof TRPCError)) throw error;
			const problem =
				error.cause instanceof ZodError
					? (error.cause.issues[0]?.message ?? 'This import is not valid.')
					: error.message;
			return fail(getHTTPStatusCodeFromError(error), { problem });
		}
	}

	return {
		preview: async (event: RequestEvent) => {
			const sent = await upload(event);
			if (sent.problem) return sent.problem;
			const { file, fileName } = sent;
			return refusalOf(async () => ({
				fileName,
				preview: await serverCaller(event).imports.preview({ kind, file })
			}));
		},

		import: async (event: RequestEvent) => {
			const sent = await upload(event);
			if (sent.problem) return sent.problem;
			const { data, file, fileName } = sent;
			const mapping = Object.fromEntries(
				fields.map((field) => {
					const value = data[`map.${field}`];
					return [field, typeof value === 'string' && value !== '' ? Number(value) : null];
				})
			);
			const caller = serverCaller(event).imports;
			return refusalOf(async () => ({
				fileName,
				mapping,
				outcome:
					kind === 'clients'
						? await caller.clients({
								file,
								mapping: mapping as Parameters<typeof caller.clients>[0]['mapping'],
								duplicates: data.duplicates === 'merge' ? 'merge' : 'skip'
							})
						: await caller.sessions({
								file,
								mapping: mapping as Parameters<typeof caller.sessions>[0]['mapping']
							})
			}));
		}
	};
}
