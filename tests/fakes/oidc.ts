/**
 * A real OpenID provider (the `oidc-provider` package, certified by the OpenID Foundation)
 * standing in for Google: discovery, authorization with PKCE, signed ID tokens, `iss` in the
 * authorization response. Its sign-in page lets a test (or a person in a browser) type the Google
 * account to be: sub, email, email_verified, name and picture. Pictures are served by the same
 * small HTTP server under /_pictures/<name>.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deflateSync } from 'node:zlib';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';

export type FakeGoogleAccount = {
	sub: string;
	email: string;
	email_verified: boolean;
	name: string;
	picture?: string;
};

/** `location`: answered with a 302 there instead of the bytes. */
export type FakePicture = { contentType: string; bytes: Buffer; location?: string };

export type FakeOidc = {
	issuer: string;
	clientId: string;
	clientSecret: string;
	/** The address of a picture this server serves (see `pictures`). */
	pictureUrl: (name: string) => string;
	/** Pictures by name: `avatar.png` (a real PNG) is there from the start. */
	pictures: Map<string, FakePicture>;
	/** Every account that signed in here, by sub. */
	accounts: Map<string, FakeGoogleAccount>;
	close: () => Promise<void>;
};

/** A real PNG of `size`×`size` pixels in one colour: something a browser draws. */
export function solidPng(size = 8, rgb: [number, number, number] = [37, 99, 235]): Buffer {
	const crcTable = Array.from({ length: 256 }, (_, n) => {
		let c = n;
		for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
		return c >>> 0;
	});
	const crc = (bytes: Buffer) => {
		let c = 0xffffffff;
		for (const byte of bytes) c = crcTable[(c ^ byte) & 0xff]! ^ (c >>> 8);
		return (c ^ 0xffffffff) >>> 0;
	};
	const chunk = (type: string, data: Buffer) => {
		const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
		const length = Buffer.alloc(4);
		length.writeUInt32BE(data.length);
		const check = Buffer.alloc(4);
		check.writeUInt32BE(crc(body));
		return Buffer.concat([length, body, check]);
	};
	const header = Buffer.alloc(13);
	header.writeUInt32BE(size, 0);
	header.writeUInt32BE(size, 4);
	header.set([8, 2, 0, 0, 0], 8);
	const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array(size).fill(rgb).flat())]);
	return Buffer.concat([
		Buffer.from('89504e470d0a1a0a', 'hex'),
		chunk('IHDR', header),
		chunk('IDAT', deflateSync(Buffer.concat(Array(size).fill(row)))),
		chunk('IEND', Buffer.alloc(0))
	]);
}

const escape = (value: string) =>
	value.replace(
		/[&<>"']/g,
		(c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!
	);

function loginPage(uid: string, defaults: FakeGoogleAccount): string {
	return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Test Google sign-in</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: sans-serif; max-width: 28rem; margin: 2rem auto; padding: 0 1rem">
<h1>Test Google sign-in</h1>
<p>A local OpenID provider standing in for Google. Choose the account to sign in as.</p>
<form method="post" action="/interaction/${uid}/login" style="display: grid; gap: 0.75rem">
	<label>Subject (sub) <input name="sub" required value="${escape(defaults.sub)}"></label>
	<label>Email <input name="email" type="email" required value="${escape(defaults.email)}"></label>
	<label><input name="email_verified" type="checkbox" value="true" checked> Email verified</label>
	<label>Name <input name="name" value="${escape(defaults.name)}"></label>
	<label>Picture URL <input name="picture" value="${escape(defaults.picture ?? '')}"></label>
	<button type="submit">Continue as this account</button>
</form>
<form method="post" action="/interaction/${uid}/abort"><button type="submit">Cancel</button></form>
</body></html>`;
}

async function formOf(request: IncomingMessage): Promise<URLSearchParams> {
	const chunks: Buffer[] = [];
	for await (const chunk of request) chunks.push(chunk as Buffer);
	return new URLSearchParams(Buffer.concat(chunks).toString());
}

export async function startFakeOidc({
	port = 0,
	redirectUris,
	clientId = 'sessionboard-test-client',
	clientSecret = 'sessionboard-test-secret'
}: {
	port?: number;
	redirectUris: string[];
	clientId?: string;
	clientSecret?: string;
}): Promise<FakeOidc> {
	let handle: (request: IncomingMessage, response: ServerResponse) => void = (_, response) =>
		response.writeHead(503).end();
	const server = createServer((request, response) => handle(request, response));
	await new Promise<void>((listening) => server.listen(port, '127.0.0.1', listening));
	const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

	const accounts = new Map<string, FakeGoogleAccount>();
	const pictures = new Map<string, FakePicture>([
		['avatar.png', { contentType: 'image/png', bytes: solidPng() }]
	]);
	const pictureUrl = (name: string) => `${issuer}/_pictures/${name}`;
	const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
		format: 'jwk'
	});

	const provider = new Provider(issuer, {
		clients: [
			{
				client_id: clientId,
				client_secret: clientSecret,
				redirect_uris: redirectUris,
				response_types: ['code'],
				grant_types: ['authorization_code'],
				token_endpoint_auth_method: 'client_secret_post'
			}
		],
		jwks: { keys: [{ ...signingKey, use: 'sig', alg: 'RS256', kid: 'fake-google' }] },
		cookies: { keys: ['fake-google-cookie-key'] },
		claims: {
			openid: ['sub'],
			email: ['email', 'email_verified'],
			profile: ['name', 'picture']
		},
		// Like Google: the profile is in the ID token itself, not only at the userinfo endpoint.
		conformIdTokenClaims: false,
		pkce: { required: () => true },
		features: { devInteractions: { enabled: false } },
		interactions: {
			url: (_ctx, interaction) => `/interaction/${interaction.uid}`
		},
		findAccount: (_ctx, sub) => {
			const account = accounts.get(sub);
			if (!account) return undefined;
			return {
				accountId: sub,
				claims: () => {
					const { picture, ...rest } = account;
					return picture ? { ...rest, picture } : rest;
				}
			};
		},
		// Google asks for consent once per app; the test provider grants what is asked at once.
		loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
			const { oidc } = ctx;
			if (!oidc.session || !oidc.client) return undefined;
			const grantId =
				oidc.result?.consent?.grantId ?? oidc.session.grantIdFor(oidc.client.clientId);
			if (grantId) return oidc.provider.Grant.find(grantId);
			if (!oidc.session.accountId) return undefined;
			const grant = new oidc.provider.Grant({
				clientId: oidc.client.clientId,
				accountId: oidc.session.accountId
			});
			grant.addOIDCScope('openid email profile');
			await grant.save();
			return grant;
		}
	});
	const providerCallback = provider.callback();

	let signIns = 0;
	handle = (request, response) => {
		const url = new URL(request.url ?? '/', issuer);
		const interaction = url.pathname.match(/^\/interaction\/([\w-]+)(\/login|\/abort)?$/);
		const picture = url.pathname.match(/^\/_pictures\/([\w.-]+)$/);
		void (async () => {
			if (url.pathname === '/_fake/health') {
				response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
			} else if (picture && request.method === 'GET') {
				const found = pictures.get(picture[1]!);
				if (!found) return response.writeHead(404).end();
				if (found.location) return response.writeHead(302, { location: found.location }).end();
				response
					.writeHead(200, {
						'content-type': found.contentType,
						'content-length': String(found.bytes.length)
					})
					.end(found.bytes);
			} else if (interaction && request.method === 'GET' && !interaction[2]) {
				const details = await provider.interactionDetails(request, response);
				signIns += 1;
				const page = loginPage(details.uid, {
					sub: `google-${signIns}-${Date.now()}`,
					email: `person${signIns}@gmail.example`,
					email_verified: true,
					name: 'Sam Google',
					picture: pictureUrl('avatar.png')
				});
				response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
			} else if (interaction && request.method === 'POST' && interaction[2] === '/login') {
				const form = await formOf(request);
				const account: FakeGoogleAccount = {
					sub: form.get('sub') ?? '',
					email: form.get('email') ?? '',
					email_verified: form.get('email_verified') === 'true',
					name: form.get('name') ?? '',
					picture: form.get('picture') || undefined
				};
				accounts.set(account.sub, account);
				await provider.interactionFinished(
					request,
					response,
					{ login: { accountId: account.sub } },
					{ mergeWithLastSubmission: false }
				);
			} else if (interaction && request.method === 'POST' && interaction[2] === '/abort') {
				await provider.interactionFinished(
					request,
					response,
					{ error: 'access_denied', error_description: 'End-User aborted interaction' },
					{ mergeWithLastSubmission: false }
				);
			} else {
				providerCallback(request, response);
			}
		})().catch((error: unknown) => {
			console.error('fake OpenID provider:', error);
			if (!response.headersSent) response.writeHead(500).end('fake OpenID provider failed');
		});
	};

	return {
		issuer,
		clientId,
		clientSecret,
		pictureUrl,
		pictures,
		accounts,
		close: async () => {
			server.closeAllConnections();
			await new Promise((closed) => server.close(closed));
		}
	};
}
