import type { RequestHandler } from './$types';
import { statementFileName, statementPdf } from '$lib/server/billing/statement-pdf';
import { serverCaller } from '$lib/server/trpc/router';
import { requestedStatement } from '../statement-period';

export const GET: RequestHandler = async (event) => {
	const statement = await serverCaller(event).statements.get(requestedStatement(event));
	const pdf = await statementPdf(statement);
	const fileName = statementFileName(statement.client.name, statement.from, statement.to);
	return new Response(new Uint8Array(pdf), {
		headers: {
			'content-type': 'application/pdf',
			'content-disposition': `attachment; filename="${fileName}"`,
			'cache-control': 'private, no-store'
		}
	});
};
