/**
 * Records the SQL the three measured procedures send, by running the app's own service functions
 * on a drizzle instance with a logger. The bare baseline then replays exactly these statements.
 */
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { AUTH_COOKIE, validateAuthSessionToken } from '../src/lib/server/auth/session';
import { listClientsSchema } from '../src/lib/server/clients/schemas';
import { getClient, listClients } from '../src/lib/server/clients/service';
import { dashboard } from '../src/lib/server/dashboard/service';
import type { Db } from '../src/lib/server/db';
import * as schema from '../src/lib/server/db/schema';

export type Param = string | number | boolean | null;
export type Statement = { text: string; params: Param[] };
/**
 * The statements of one procedure. Groups run one after another, the statements within a group
 * concurrently (as the service's Promise.all does). Every parameter equal to `placeholder` is the
 * request's own value (search pattern, client id, today's date) and is replaced per request.
 */
export type Operation = { groups: Statement[][]; placeholder: string };
export type CapturedPlan = {
	ownerId: string;
	authCookie: string;
	/** The sign-in lookup every signed-in request starts with; its placeholder is the token's id. */
	auth: Operation;
	timeZone: string;
	listLimit: number;
	list: Operation;
	get: Operation;
	dashboard: Operation;
};

/** How many statements each step of the services issues; a mismatch means the service changed. */
const SHAPES = { auth: [1], list: [1], get: [3], dashboard: [1, 5] } as const;

/** The id part of the tokens the lookup is captured with; no sign-in has it, so nothing else runs. */
const AUTH_ID_PLACEHOLDER = 'bench-capture-session-id';

export const LIST_INPUT = { tag: '', show: 'active', limit: 25 } as const;

/** The search pattern listClients builds from the typed text (zod trims it first). */
export const searchPattern = (q: string) => `%${q.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

function toParam(value: unknown): Param {
	if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) {
		return value as Param;
	}
	throw new Error(`A captured parameter is not a plain value: ${JSON.stringify(value)}`);
}

function split(statements: Statement[], shape: readonly number[], what: string): Statement[][] {
	const expected = shape.reduce((a, b) => a + b, 0);
	if (statements.length !== expected) {
		throw new Error(
			`${what} sent ${statements.length} statements, the bench expects ${expected}: update SHAPES in bench/capture-sql.ts.`
		);
	}
	let at = 0;
	return shape.map((size) => statements.slice(at, (at += size)));
}

const substitute = (op: Operation, value: string): Statement[][] =>
	op.groups.map((group) =>
		group.map((s) => ({
			text: s.text,
			params: s.params.map((p) => (p === op.placeholder ? value : p))
		}))
	);

/** Proves the replay is faithful: substituting into one capture gives exactly another capture. */
function assertReplayable(what: string, op: Operation, other: Operation, otherValue: string) {
	if (!op.groups.flat().some((s) => s.params.includes(op.placeholder))) {
		throw new Error(
			`${what}: the request's value never reaches the SQL; the replay would be wrong.`
		);
	}
	const replayed = JSON.stringify(substitute(op, otherValue));
	if (replayed !== JSON.stringify(other.groups)) {
		throw new Error(
			`${what}: the SQL depends on the input in a way the bare replay cannot follow.`
		);
	}
}

export async function captureStatements(url: string, ownerEmail: string): Promise<CapturedPlan> {
	const client = postgres(url, { max: 1, onnotice: () => {} });
	let log: Statement[] = [];
	const db: Db = drizzle(client, {
		schema,
		casing: 'snake_case',
		logger: {
			logQuery: (text, params) => log.push({ text, params: params.map(toParam) })
		}
	});
	const record = async (what: keyof typeof SHAPES, run: () => Promise<unknown>) => {
		log = [];
		await run();
		return split(log, SHAPES[what], what);
	};

	try {
		const [owner] = await client<{ id: string; timeZone: string; today: string }[]>`
			select id, time_zone as "timeZone",
				to_char(now() at time zone time_zone, 'YYYY-MM-DD') as today
			from users where lower(email) = ${ownerEmail}`;
		if (!owner) throw new Error(`No practitioner ${ownerEmail}: run npm run bench:seed first.`);
		const ids = await client<{ id: string }[]>`
			select id from clients where owner_id = ${owner.id} order by id limit 2`;
		const [a, b] = ids.map((r) => r.id);
		if (!a || !b) throw new Error('The bench practitioner has no clients: run npm run bench:seed.');

		const listOp = async (q: string): Promise<Operation> => ({
			groups: await record('list', () =>
				listClients(db, owner.id, listClientsSchema.parse({ ...LIST_INPUT, q }))
			),
			placeholder: searchPattern(q)
		});
		const getOp = async (id: string): Promise<Operation> => ({
			groups: await record('get', () => getClient(db, owner.id, id)),
			placeholder: id
		});

		const authOp = async (id: string): Promise<Operation> => ({
			groups: await record('auth', () => validateAuthSessionToken(db, `${id}.not-a-secret`)),
			placeholder: id
		});

		const auth = await authOp(AUTH_ID_PLACEHOLDER);
		assertReplayable('auth', auth, await authOp('another-session-id'), 'another-session-id');
		const list = await listOp('Ann');
		assertReplayable('clients.list', list, await listOp('ma'), searchPattern('ma'));
		const get = await getOp(a);
		assertReplayable('clients.get', get, await getOp(b), b);
		const dash: Operation = {
			groups: await record('dashboard', () => dashboard(db, owner.id, owner.timeZone)),
			placeholder: owner.today
		};
		if (!dash.groups[1]?.some((s) => s.params.includes(owner.today))) {
			throw new Error("dashboard.summary: today's date was not found in its SQL.");
		}
		return {
			ownerId: owner.id,
			authCookie: AUTH_COOKIE,
			auth,
			timeZone: owner.timeZone,
			listLimit: LIST_INPUT.limit,
			list,
			get,
			dashboard: dash
		};
	} finally {
		await client.end();
	}
}
