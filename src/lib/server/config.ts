import { z } from 'zod';
import { parseMailbox } from './email/mime';

const optionalUrl = z
	.string()
	.trim()
	.transform((value) => (value === '' ? undefined : value))
	.pipe(z.url().optional());

/** A variable that may be absent or empty; either way it reads as unset. */
const optionalText = z
	.string()
	.trim()
	.transform((value) => value || undefined)
	.optional();

const schema = z.object({
	NODE_ENV: z.string().optional(),
	DATABASE_URL: optionalUrl.optional(),
	DATA_DIR: z.string().default('.data'),
	SMTP_URL: optionalUrl.optional(),
	/** The sender of every email: `Name <address>` or the address alone. */
	EMAIL_FROM: z
		.string()
		.trim()
		.default('')
		.transform((field, context) => {
			const mailbox = parseMailbox(field || 'Sessionboard <no-reply@sessionboard.localhost>');
			if (mailbox) return mailbox;
			context.addIssue({
				code: 'custom',
				message: 'holds no email address; write it as "Sessionboard <no-reply@example.org>"'
			});
			return z.NEVER;
		}),
	ORIGIN: optionalUrl.optional(),
	PORT: z.coerce.number().int().min(0).max(65535).default(3000),
	/** The address the HTTP server listens on: every interface unless told otherwise. */
	HOST: z
		.string()
		.trim()
		.default('')
		.transform((value) => value || '0.0.0.0'),
	/**
	 * Whether the app runs a job worker itself (the default). "false" for web-only instances whose
	 * jobs `npm run worker` processes do.
	 */
	WORKER_IN_APP: z
		.string()
		.trim()
		.toLowerCase()
		.default('')
		.pipe(z.enum(['', 'true', 'false']))
		.transform((value) => value !== 'false'),
	/**
	 * Live events between app instances go through Redis here (redis:// or rediss://) instead of
	 * the app's own PostgreSQL, which carries them when this is unset.
	 */
	REDIS_URL: optionalUrl
		.optional()
		.refine((url) => url === undefined || /^rediss?:\/\//.test(url), 'is not a redis:// address'),
	/** Signs the links in subscriber emails. Unset: one is generated and kept in the database. */
	APP_SECRET: z.string().min(32).optional(),
	/**
	 * Paid series. Both keys from the Stripe dashboard (test keys while trying it); unset, series
	 * are free only. The webhook secret is the signing secret of the Connect endpoint.
	 */
	STRIPE_SECRET_KEY: z
		.string()
		.trim()
		.transform((value) => value || undefined)
		.pipe(
			z
				.string()
				.regex(/^(sk|rk)_(test|live)_\w+$/, 'is not a Stripe secret key')
				.optional()
		)
		.optional(),
	STRIPE_WEBHOOK_SECRET: z
		.string()
		.trim()
		.transform((value) => value || undefined)
		.pipe(
			z
				.string()
				.regex(/^whsec_\w+$/, 'is not a webhook signing secret')
				.optional()
		)
		.optional(),
	/** Another address for Stripe's API (a local stand-in); unset, Stripe's own. */
	STRIPE_API_URL: optionalUrl.optional(),
	/** The platform's share of each payment to practitioners, in percent; self-hosters keep 0. */
	PLATFORM_FEE_PERCENT: z.coerce.number().min(0).max(100).default(0),
	/**
	 * Keys that encrypt integration tokens at rest: comma-separated, each 32 bytes in base64, the
	 * newest first. New values are sealed with the first; any listed key still opens old ones, so a
	 * key is rotated by putting a new one in front and dropping the old one once nothing uses it.
	 */
	TOKEN_KEYS: z
		.string()
		.trim()
		.default('')
		.transform((field, context) => {
			const keys = field === '' ? [] : field.split(',').map((key) => key.trim());
			const decoded = keys.map((key) => Buffer.from(key, 'base64'));
			const bad = decoded.findIndex(
				(key, i) => key.length !== 32 || key.toString('base64') !== keys[i]
			);
			if (bad === -1) return decoded;
			context.addIssue({
				code: 'custom',
				message: `key ${bad + 1} is not 32 bytes in base64 (make one with: openssl rand -base64 32)`
			});
			return z.NEVER;
		}),
	/** The Zoom integration: an OAuth app of the "user-managed" kind from Zoom's App Marketplace. */
	ZOOM_CLIENT_ID: optionalText,
	ZOOM_CLIENT_SECRET: optionalText,
	/** The app's "Secret Token", which signs Zoom's webhooks. */
	ZOOM_WEBHOOK_SECRET: optionalText,
	/** Other addresses for Zoom's sign-in and API (a local stand-in); unset, Zoom's own. */
	ZOOM_OAUTH_URL: optionalUrl.optional(),
	ZOOM_API_URL: optionalUrl.optional(),
	/** Google sign-in (OpenID Connect): an OAuth client of the "Web application" kind. */
	GOOGLE_CLIENT_ID: optionalText,
	GOOGLE_CLIENT_SECRET: optionalText,
	/** Another OpenID provider standing in for Google (a local test provider); unset, Google. */
	GOOGLE_ISSUER: optionalUrl.optional()
});

export type Config = z.infer<typeof schema> & {
	production: boolean;
	/**
	 * No public address is configured (ORIGIN unset, or this machine's default): the app is
	 * reached at any address of the machine, e.g. http://192.168.1.5:3000 from a tablet.
	 */
	local: boolean;
};

/** The address the app gives itself when ORIGIN is unset: this machine, over plain HTTP. */
export function localOrigin(port: number): string {
	return `http://localhost:${port}`;
}

/** Where links in emails sent outside any request (webhooks, jobs, the clock) point. */
export function appOrigin(): string {
	const { ORIGIN, PORT } = config();
	return ORIGIN ?? localOrigin(PORT);
}

/** Where links made while answering a request point: ORIGIN, or the address it came to. */
export function requestOrigin(url: URL): string {
	return config().ORIGIN ?? url.origin;
}

const NAMES = Object.keys(schema.shape) as (keyof typeof schema.shape)[];
let cached: { fingerprint: string; config: Config } | undefined;

function secureOrLoopback(url: URL): boolean {
	return (
		url.protocol === 'https:' ||
		['localhost', '127.0.0.1', '[::1]'].includes(url.hostname) ||
		url.hostname.endsWith('.localhost')
	);
}

/**
 * Follows the environment: the embedded database sets DATABASE_URL at start-up, after modules are
 * imported, and tests change SMTP_URL per file. It is parsed again only when one of its variables
 * changed, since this runs several times in every request.
 */
export function config(): Config {
	const fingerprint = NAMES.map((name) => process.env[name] ?? '\u0000').join('\u0001');
	if (cached?.fingerprint === fingerprint) return cached.config;
	const parsed = schema.safeParse(process.env);
	if (!parsed.success) {
		const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
		throw new Error(`Invalid configuration:\n  ${problems.join('\n  ')}`);
	}
	const { NODE_ENV, ORIGIN, PORT, GOOGLE_ISSUER } = parsed.data;
	if (NODE_ENV === 'production' && GOOGLE_ISSUER && !secureOrLoopback(new URL(GOOGLE_ISSUER))) {
		// Sign-in codes, ID tokens and the client secret would cross the network in the clear.
		throw new Error(
			'Invalid configuration:\n  GOOGLE_ISSUER: must be https:// in production (http:// only on this machine)'
		);
	}
	const fresh = {
		...parsed.data,
		production: NODE_ENV === 'production',
		local: !ORIGIN || ORIGIN === localOrigin(PORT)
	};
	cached = { fingerprint, config: fresh };
	return fresh;
}
