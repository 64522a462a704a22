/**
 * The test OpenID provider (tests/fakes/oidc.ts) as a process of its own, for browser tests:
 * `npx tsx tests/fakes/oidc-server.ts`. Port, client and the app's callback address from the
 * environment, so the app under test can be configured before it starts. Health at
 * `GET /_fake/health`.
 */
import { startFakeOidc } from './oidc';

const fake = await startFakeOidc({
	port: Number(process.env.FAKE_OIDC_PORT ?? 7183),
	redirectUris: [
		process.env.FAKE_OIDC_REDIRECT_URI ?? 'http://localhost:4183/sign-in/google/callback'
	],
	clientId: process.env.FAKE_OIDC_CLIENT_ID,
	clientSecret: process.env.FAKE_OIDC_CLIENT_SECRET
});
console.log(`fake OpenID provider listening on ${fake.issuer}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
	process.once(signal, () => {
		void fake.close().then(() => process.exit(0));
	});
}
