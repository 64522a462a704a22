export const TEMPLATE_PREFIX = 'sessionboard_test_';

/** The same server as `url`, on its maintenance database, for creating and dropping databases. */
export function serverUrl(url: string): string {
	const server = new URL(url);
	server.pathname = '/postgres';
	return server.toString();
}
