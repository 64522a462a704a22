import type { RequestEvent } from '@sveltejs/kit';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db';
import { wireFormat } from '../../src/lib/wire-format';
import { actions as signInActions } from '../../src/routes/(auth)/sign-in/+page.server';
import { actions as signUpActions } from '../../src/routes/(auth)/sign-up/+page.server';
import { actions as forgotActions } from '../../src/routes/(auth)/forgot-password/+page.server';
import { actions as seriesActions } from '../../src/routes/s/[slug]/+page.server';
import { POST as trpcPost } from '../../src/routes/api/trpc/[...trpc]/+server';
import { signedUpPractitioner, STRONG_PASSWORD } from './support/browser';
import { useTestDatabase } from './support/database';
import { publishedSeries } from './support/series';

let db: Database;
beforeAll(async () => {
	({ db } = await useTestDatabase());
});

const ORIGIN = 'http://sessionboard.test';
let addresses = 0;

/**
 * The parts of SvelteKit's request event that actions and the tRPC endpoint read, for a signed-out
 * visitor at one address; the headers the code sets are collected as SvelteKit would send them.
 */
function visit(ip: string, path: string, body: URLSearchParams | string, params = {}) {
	const headers: Record<string, string> = {};
	const request = new Request(`${ORIGIN}${path}`, {
		method: 'POST',
		body,
		headers: typeof body === 'string' ? { 'content-type': 'application/json' } : {}
	});
	const event = {
		request,
		url: new URL(request.url),
		params,
		route: { id: path },
		locals: { user: null, authSession: null },
		getClientAddress: () => ip,
		cookies: { get: () => undefined, set: () => {}, delete: () => {} },
		setHeaders: (set: Record<string, string>) => {
			for (const [name, value] of Object.entries(set)) {
				if (name in headers) throw new Error(`"${name}" header is already set`);
				headers[name] = value;
			}
		}
	};
	return { event: event as unknown as RequestEvent & { params: never }, headers };
}

type Action = (event: never) => Promise<unknown>;

/** Sends the form until the action answers 429; returns that answer's Retry-After. */
async function untilRefused(
	action: Action,
	path: string,
	fields: Record<string, string>,
	params: Record<string, string> = {}
) {
	const ip = `198.51.100.${++addresses}`;
	for (let attempt = 1; attempt <= 20; attempt++) {
		const { event, headers } = visit(ip, path, new URLSearchParams(fields), params);
		const answer = (await action(event as never)) as { status?: number } | undefined;
		if (answer?.status === 429) return headers['retry-after'];
		expect(headers).not.toHaveProperty('retry-after');
	}
	throw new Error(`${path} never answered 429`);
}

const email = () => `limited${++addresses}@example.com`;

describe('every 429 says when to come back', () => {
	it('on the sign-in, sign-up and forgotten-password forms', async () => {
		const waits = [
			await untilRefused(signInActions.default as Action, '/sign-in', {
				email: email(),
				password: 'a wrong guess'
			}),
			await untilRefused(signUpActions.default as Action, '/sign-up', {
				name: 'Limited',
				email: email(),
				password: STRONG_PASSWORD,
				ageConfirmed: 'true',
				timeZone: 'UTC'
			}),
			await untilRefused(forgotActions.default as Action, '/forgot-password', { email: email() })
		];
		for (const [wait, windowSeconds] of waits.map((w, i) => [w, [900, 3600, 3600][i]!] as const)) {
			expect(wait).toMatch(/^\d+$/);
			expect(Number(wait)).toBeGreaterThan(windowSeconds - 60);
			expect(Number(wait)).toBeLessThanOrEqual(windowSeconds);
		}
	});

	it('on a series’ public signup form', async () => {
		const owner = await signedUpPractitioner(db, 'Owner');
		const { slug } = await publishedSeries(await owner.browser.api(), { capacity: 50 });
		const wait = await untilRefused(
			seriesActions.default as Action,
			`/s/${slug}`,
			{ name: 'Visitor', email: 'visitor@example.com', phone: '', consent: 'true' },
			{ slug }
		);
		expect(Number(wait)).toBeGreaterThan(0);
		expect(Number(wait)).toBeLessThanOrEqual(600);
	});

	it('on tRPC over HTTP', async () => {
		const ip = `198.51.100.${++addresses}`;
		const input = wireFormat.serialize({ email: email() });
		const statuses: number[] = [];
		let retryAfter: string | null = null;
		for (let attempt = 1; attempt <= 4; attempt++) {
			const { event } = visit(ip, '/api/trpc/account.requestPasswordReset', JSON.stringify(input));
			const response = await trpcPost(event as never);
			statuses.push(response.status);
			retryAfter = response.headers.get('retry-after');
		}
		expect(statuses).toEqual([200, 200, 200, 429]);
		expect(Number(retryAfter)).toBeGreaterThan(3500);
		expect(Number(retryAfter)).toBeLessThanOrEqual(3600);
	});
});
