/**
 * The bare baseline: node:http and postgres.js replaying the SQL a signed-in request sends (captured
 * by capture-sql.ts): the sign-in lookup, then the procedure's statements. No framework, no
 * validation library, no ORM, plain JSON. Started by practice.ts with BARE_PLAN_FILE (the captured
 * statements), DATABASE_URL and BARE_PORT.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import postgres from 'postgres';
import { searchPattern, type CapturedPlan, type Param, type Statement } from './capture-sql';

const planFile = process.env.BARE_PLAN_FILE;
const url = process.env.DATABASE_URL;
const port = Number(process.env.BARE_PORT ?? 4311);
if (!planFile || !url) throw new Error('bare-server needs BARE_PLAN_FILE and DATABASE_URL.');
const plan = JSON.parse(readFileSync(planFile, 'utf8')) as CapturedPlan;

// The app's pool: same size, every execution planned afresh, and dates left as PostgreSQL's text,
// as drizzle configures postgres.js.
const sql = postgres(url, {
	max: 10,
	onnotice: () => {},
	connection: { plan_cache_mode: 'force_custom_plan' }
});
for (const oid of [1184, 1082, 1083, 1114, 1182, 1185, 1115, 1231]) {
	sql.options.parsers[oid] = (value: string) => value;
	sql.options.serializers[oid] = (value: string) => value;
}

type Row = Record<string, unknown>;
const run = (s: Statement, placeholder: string, value: string): Promise<Row[]> =>
	sql.unsafe<Row[]>(
		s.text,
		s.params.map((p): Param => (p === placeholder ? value : p)),
		// Prepared on its connection, as the app's database handle sends every statement.
		{ prepare: true }
	);
const runGroup = (group: Statement[] | undefined, placeholder: string, value: string) =>
	Promise.all((group ?? []).map((s) => run(s, placeholder, value)));

function cookie(header: string | undefined, name: string): string | undefined {
	for (const part of header?.split(';') ?? []) {
		const at = part.indexOf('=');
		if (part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
	}
	return undefined;
}

/**
 * What the app checks before any procedure: the cookie's token names a sign-in whose stored hash
 * matches the token's secret (compared in constant time), which has not expired, and which belongs
 * to the practitioner whose data the captured statements read.
 */
async function signedIn(cookieHeader: string | undefined): Promise<boolean> {
	const [id, secret, extra] = cookie(cookieHeader, plan.authCookie)?.split('.') ?? [];
	if (!id || !secret || extra !== undefined) return false;
	const { groups, placeholder } = plan.auth;
	const [[session] = []] = await runGroup(groups[0], placeholder, id);
	if (!session) return false;
	const given = createHash('sha256').update(secret).digest();
	const stored = Buffer.from(String(session.secret_hash), 'hex');
	return (
		given.length === stored.length &&
		timingSafeEqual(given, stored) &&
		Date.parse(String(session.expires_at)) > Date.now() &&
		session.user_id === plan.ownerId
	);
}

async function list(q: string) {
	const { groups, placeholder } = plan.list;
	const [rows = []] = await runGroup(groups[0], placeholder, searchPattern(q));
	return { items: rows.slice(0, plan.listLimit), more: rows.length > plan.listLimit };
}

async function get(id: string) {
	const { groups, placeholder } = plan.get;
	const [[client] = [], history, owed] = await runGroup(groups[0], placeholder, id);
	return client ? { client, sessions: history, owed } : null;
}

async function dashboard() {
	const { groups, placeholder } = plan.dashboard;
	const [[first] = []] = await runGroup(groups[0], placeholder, placeholder);
	const today = String(first?.today);
	const [upcoming, [week] = [], owed, notes, series = []] = await runGroup(
		groups[1],
		placeholder,
		today
	);
	return {
		today,
		upcoming,
		sessionsThisWeek: week?.count ?? 0,
		owed,
		recentNotes: notes,
		series: series.filter((s) => s.status === 'published')
	};
}

function send(res: ServerResponse, status: number, body: unknown) {
	const json = JSON.stringify(body);
	res.writeHead(status, {
		'content-type': 'application/json',
		'content-length': Buffer.byteLength(json)
	});
	res.end(json);
}

function answer(pathname: string, searchParams: URLSearchParams): Promise<unknown> {
	return pathname === '/clients.list'
		? list(searchParams.get('q') ?? '')
		: pathname === '/clients.get'
			? get(searchParams.get('id') ?? '')
			: pathname === '/dashboard.summary'
				? dashboard()
				: Promise.resolve(undefined);
}

const server = createServer((req, res) => {
	const { pathname, searchParams } = new URL(req.url ?? '/', 'http://127.0.0.1');
	if (pathname === '/health') return send(res, 200, { ok: true });
	signedIn(req.headers.cookie)
		.then(async (ok) => {
			if (!ok) return send(res, 401, { error: 'not signed in' });
			const body = await answer(pathname, searchParams);
			if (body == null) send(res, 404, { error: 'not found' });
			else send(res, 200, body);
		})
		.catch((error: unknown) => send(res, 500, { error: String(error) }));
});

server.listen(port, '127.0.0.1');

const stop = () => {
	server.close();
	void sql.end({ timeout: 1 }).then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
