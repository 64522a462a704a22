import { randomBytes } from 'node:crypto';
import { afterAll, expect } from 'vitest';
import { startFakeZoom, type FakeZoom, type FakeZoomOptions } from '../../fakes/zoom';

/** Where the app receives Zoom's webhooks. */
export const ZOOM_WEBHOOK_PATH = '/api/webhooks/zoom';

const ZOOM_ENV = [
	'ZOOM_CLIENT_ID',
	'ZOOM_CLIENT_SECRET',
	'ZOOM_WEBHOOK_SECRET',
	'ZOOM_OAUTH_URL',
	'ZOOM_API_URL',
	'TOKEN_KEYS'
] as const;

/**
 * The fake Zoom for this test file, and the app configured for it as an operator would, through
 * the environment (with a fresh TOKEN_KEYS key), until the file ends. Point its webhooks at a
 * running app with `fake.setWebhookTarget(app.origin + ZOOM_WEBHOOK_PATH)`.
 */
export async function useZoom(
	options: FakeZoomOptions = {}
): Promise<{ fake: FakeZoom; tokenKeys: string }> {
	const fake = await startFakeZoom(options);
	const tokenKeys = randomBytes(32).toString('base64');
	const values: Record<(typeof ZOOM_ENV)[number], string> = {
		ZOOM_CLIENT_ID: fake.clientId,
		ZOOM_CLIENT_SECRET: fake.clientSecret,
		ZOOM_WEBHOOK_SECRET: fake.webhookSecret,
		ZOOM_OAUTH_URL: fake.url,
		ZOOM_API_URL: fake.url,
		TOKEN_KEYS: tokenKeys
	};
	Object.assign(process.env, values);
	afterAll(async () => {
		await fake.stop();
		for (const name of ZOOM_ENV) delete process.env[name];
	});
	return { fake, tokenKeys };
}

/**
 * What a person does at Zoom after the app sent them to `authorizeUrl`: the consent page is
 * fetched and its form sent with Allow (or Decline), as a browser would, as `userId` (default the
 * user signed in at the fake). Answers the address Zoom sends them back to, with `code` (or
 * `error`) and `state`: the app's callback, to be opened with the person's own cookies.
 */
export async function consentAtZoom(
	authorizeUrl: string,
	options: { userId?: string; decision?: 'allow' | 'decline' } = {}
): Promise<{ callbackUrl: string; code: string | null; state: string | null }> {
	const page = await fetch(authorizeUrl, { redirect: 'manual' });
	let callbackUrl: string;
	if (page.status === 302) {
		// Already allowed (auto-approve): Zoom answers with the code at once.
		callbackUrl = page.headers.get('location') ?? '';
	} else {
		const html = await page.text();
		expect(page.status, html).toBe(200);
		const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
		expect(action, html).toBeDefined();
		const fields = new URLSearchParams(
			[...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [
				unescapeHtml(m[1]!),
				unescapeHtml(m[2]!)
			])
		);
		if (options.userId) fields.set('user_id', options.userId);
		fields.set('decision', options.decision ?? 'allow');
		const answer = await fetch(new URL(action!, authorizeUrl), {
			method: 'POST',
			headers: { 'content-type': 'application/x-www-form-urlencoded' },
			body: fields,
			redirect: 'manual'
		});
		expect(answer.status, await answer.text()).toBe(302);
		callbackUrl = answer.headers.get('location') ?? '';
	}
	const back = new URL(callbackUrl);
	return {
		callbackUrl,
		code: back.searchParams.get('code'),
		state: back.searchParams.get('state')
	};
}

function unescapeHtml(text: string): string {
	return text.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
}
