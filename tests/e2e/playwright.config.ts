import { fileURLToPath } from 'node:url';
import { defineConfig } from '@playwright/test';
import { chromiumLaunchOptions } from './support/chromium';
import { fakeGoogle } from './support/fake-google';
import { fakeStripe } from './support/fake-stripe';
import { E2E_TOKEN_KEYS, fakeZoom } from './support/fake-zoom';

const root = fileURLToPath(new URL('../..', import.meta.url));
const port = Number(process.env.E2E_PORT ?? 4183);
/** The app's default ORIGIN: email links point here, and cookies are set for this host. */
const baseURL = `http://localhost:${port}`;

export default defineConfig({
	testDir: '.',
	testMatch: '**/*.spec.ts',
	outputDir: '.output/test-results',
	fullyParallel: true,
	forbidOnly: Boolean(process.env.CI),
	retries: 0,
	// Two cores: the app, its database and the browsers share them.
	workers: 2,
	reporter: 'list',
	timeout: 60_000,
	expect: { timeout: 10_000 },
	use: {
		baseURL,
		browserName: 'chromium',
		viewport: { width: 1280, height: 800 },
		// Fixed, so runs do not depend on the machine. UTC is also what most CI machines report and
		// the app's default zone, which the Settings time zone list must offer.
		timezoneId: 'UTC',
		actionTimeout: 10_000,
		navigationTimeout: 20_000,
		trace: 'retain-on-failure',
		screenshot: 'only-on-failure',
		launchOptions: chromiumLaunchOptions()
	},
	projects: [{ name: 'chromium' }],
	webServer: [
		{
			command: 'npx tsx tests/fakes/stripe-server.ts',
			cwd: root,
			env: {
				FAKE_STRIPE_PORT: String(fakeStripe.port),
				FAKE_STRIPE_SECRET_KEY: fakeStripe.secretKey,
				FAKE_STRIPE_WEBHOOK_SECRET: fakeStripe.webhookSecret,
				FAKE_STRIPE_WEBHOOK_URL: `http://127.0.0.1:${port}/api/webhooks/stripe`
			},
			url: `${fakeStripe.url}/_fake/health`,
			timeout: 60_000,
			reuseExistingServer: !process.env.CI,
			stdout: 'ignore',
			stderr: 'pipe'
		},
		{
			command: 'npx tsx tests/fakes/zoom-server.ts',
			cwd: root,
			env: {
				FAKE_ZOOM_PORT: String(fakeZoom.port),
				FAKE_ZOOM_CLIENT_ID: fakeZoom.clientId,
				FAKE_ZOOM_CLIENT_SECRET: fakeZoom.clientSecret,
				FAKE_ZOOM_WEBHOOK_SECRET: fakeZoom.webhookSecret,
				FAKE_ZOOM_WEBHOOK_URL: `http://127.0.0.1:${port}/api/webhooks/zoom`
			},
			url: `${fakeZoom.url}/_fake/health`,
			timeout: 60_000,
			reuseExistingServer: !process.env.CI,
			stdout: 'ignore',
			stderr: 'pipe'
		},
		{
			command: 'npx tsx tests/fakes/oidc-server.ts',
			cwd: root,
			env: {
				FAKE_OIDC_PORT: String(fakeGoogle.port),
				FAKE_OIDC_CLIENT_ID: fakeGoogle.clientId,
				FAKE_OIDC_CLIENT_SECRET: fakeGoogle.clientSecret,
				FAKE_OIDC_REDIRECT_URI: `${baseURL}/sign-in/google/callback`
			},
			url: `${fakeGoogle.issuer}/_fake/health`,
			timeout: 60_000,
			reuseExistingServer: !process.env.CI,
			stdout: 'ignore',
			stderr: 'pipe'
		},
		{
			command: 'sh tests/e2e/serve.sh',
			cwd: root,
			env: {
				E2E_PORT: String(port),
				STRIPE_SECRET_KEY: fakeStripe.secretKey,
				STRIPE_WEBHOOK_SECRET: fakeStripe.webhookSecret,
				STRIPE_API_URL: fakeStripe.url,
				ZOOM_CLIENT_ID: fakeZoom.clientId,
				ZOOM_CLIENT_SECRET: fakeZoom.clientSecret,
				ZOOM_WEBHOOK_SECRET: fakeZoom.webhookSecret,
				ZOOM_OAUTH_URL: fakeZoom.url,
				ZOOM_API_URL: fakeZoom.url,
				TOKEN_KEYS: E2E_TOKEN_KEYS,
				GOOGLE_CLIENT_ID: fakeGoogle.clientId,
				GOOGLE_CLIENT_SECRET: fakeGoogle.clientSecret,
				GOOGLE_ISSUER: fakeGoogle.issuer
			},
			url: `http://127.0.0.1:${port}/healthz`,
			timeout: 180_000,
			reuseExistingServer: !process.env.CI,
			stdout: 'ignore',
			stderr: 'pipe',
			gracefulShutdown: { signal: 'SIGINT', timeout: 10_000 }
		}
	]
});
