/**
 * The local fake Stripe (tests/fakes/stripe-server.ts) that the browser tests' app is configured
 * to use, as it would be Stripe itself. Its port follows the app's unless E2E_STRIPE_PORT says.
 */
const appPort = Number(process.env.E2E_PORT ?? 4183);

export const fakeStripe = {
	port: Number(process.env.E2E_STRIPE_PORT ?? appPort + 1000),
	get url() {
		return `http://127.0.0.1:${this.port}`;
	},
	secretKey: 'sk_test_fake_sessionboard',
	webhookSecret: 'whsec_fake_sessionboard'
};

/** A test control of the fake (e.g. `endPeriod` with the subscription's id); waits for its webhooks. */
export async function controlFakeStripe(
	name: string,
	fields: Record<string, string>
): Promise<void> {
	const response = await fetch(`${fakeStripe.url}/_fake/control/${name}`, {
		method: 'POST',
		body: new URLSearchParams(fields)
	});
	if (!response.ok) throw new Error(`The fake Stripe refused ${name}: ${await response.text()}`);
}
