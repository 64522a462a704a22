/**
 * The local OpenID provider (tests/fakes/oidc-server.ts) the browser tests' app signs in with as
 * if it were Google. Its port follows the app's unless E2E_OIDC_PORT says.
 */
const appPort = Number(process.env.E2E_PORT ?? 4183);

export const fakeGoogle = {
	port: Number(process.env.E2E_OIDC_PORT ?? appPort + 3000),
	get issuer() {
		return `http://127.0.0.1:${this.port}`;
	},
	clientId: 'sessionboard-e2e-client',
	clientSecret: 'sessionboard-e2e-secret'
};
