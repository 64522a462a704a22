/**
 * The fake Zoom as a process of its own, for browser tests: `npx tsx tests/fakes/zoom-server.ts`.
 * Fixed port and credentials from the environment, so the app under test can be configured before
 * it starts. Health at `GET /_fake/health`; test controls at `POST /_fake/control/<name>` with form
 * fields: `state`; `expireAccessTokens` and `killRefreshTokens` (userId, or every user);
 * `failNext` (method, path or pattern, status, times, retryAfter in seconds or retryAt as a time);
 * `advanceClock` (seconds); `autoApprove` (on=true|false); `addUser` (first_name, last_name,
 * email); `signIn` (userId); `deauthorize` (userId, default the signed-in user); `validateUrl`.
 * Each answers JSON.
 */
import { startFakeZoom } from './zoom';

const fake = await startFakeZoom({
	port: Number(process.env.FAKE_ZOOM_PORT ?? 12112),
	clientId: process.env.FAKE_ZOOM_CLIENT_ID ?? 'fake_zoom_client_sessionboard',
	clientSecret: process.env.FAKE_ZOOM_CLIENT_SECRET ?? 'fake_zoom_secret_sessionboard',
	webhookSecret: process.env.FAKE_ZOOM_WEBHOOK_SECRET ?? 'fake_zoom_webhook_sessionboard',
	webhookUrl: process.env.FAKE_ZOOM_WEBHOOK_URL ?? null,
	httpControls: true
});
console.log(`fake zoom listening on ${fake.url}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
	process.once(signal, () => {
		void fake.stop().then(() => process.exit(0));
	});
}
