/**
 * The local fake Zoom (tests/fakes/zoom-server.ts) that the browser tests' app is configured to
 * use, as it would be Zoom itself. Its port follows the app's unless E2E_ZOOM_PORT says.
 */
const appPort = Number(process.env.E2E_PORT ?? 4183);

export const fakeZoom = {
	port: Number(process.env.E2E_ZOOM_PORT ?? appPort + 2000),
	get url() {
		return `http://127.0.0.1:${this.port}`;
	},
	clientId: 'fake_zoom_client_sessionboard',
	clientSecret: 'fake_zoom_secret_sessionboard',
	webhookSecret: 'fake_zoom_webhook_sessionboard'
};

/** The app's TOKEN_KEYS in the browser tests: one fixed key, 32 bytes in base64. */
export const E2E_TOKEN_KEYS = 'q4LqgM2vF0bG0Hq3n7m1XkUe9y6Jd8sRt5wZpC2aV1o=';

/**
 * A test control of the fake (e.g. `killRefreshTokens`, `failNext` with method, path, status),
 * answering the fake's state or the control's result as JSON.
 */
export async function controlFakeZoom(
	name: string,
	fields: Record<string, string> = {}
): Promise<unknown> {
	const response = await fetch(`${fakeZoom.url}/_fake/control/${name}`, {
		method: 'POST',
		body: new URLSearchParams(fields)
	});
	if (!response.ok) throw new Error(`The fake Zoom refused ${name}: ${await response.text()}`);
	return response.json();
}
