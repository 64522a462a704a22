/**
 * The fake Stripe as a process of its own, for browser tests: `npx tsx tests/fakes/stripe-server.ts`.
 * Fixed port and keys from the environment, so the app under test can be configured before it
 * starts. Health at `GET /_fake/health`; test controls at `POST /_fake/control/<name>` with form
 * field `id` (e.g. `endPeriod` with id=sub_…), `deliveryMode` with mode=held|immediate,
 * `deliverHeld` with times and shuffle.
 */
import { startFakeStripe } from './stripe';

const fake = await startFakeStripe({
	port: Number(process.env.FAKE_STRIPE_PORT ?? 12111),
	secretKey: process.env.FAKE_STRIPE_SECRET_KEY ?? 'sk_test_fake_sessionboard',
	webhookSecret: process.env.FAKE_STRIPE_WEBHOOK_SECRET ?? 'whsec_fake_sessionboard',
	webhookUrl: process.env.FAKE_STRIPE_WEBHOOK_URL ?? null,
	httpControls: true
});
console.log(`fake stripe listening on ${fake.url}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
	process.once(signal, () => {
		void fake.close().then(() => process.exit(0));
	});
}
