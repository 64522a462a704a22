import { createAdapter as postgresAdapter } from '@socket.io/postgres-adapter';
import { createAdapter as redisAdapter } from '@socket.io/redis-adapter';
import pg from 'pg';
import { createClient } from 'redis';
import type { Server } from 'socket.io';
import { socketIoAttachments } from '../db/schema';
import { getTableName } from 'drizzle-orm';
import { repeatedFailures } from '../repeated-failures';

export type SharedAdapter = {
	/** What carries the events between instances. */
	via: 'postgres' | 'redis';
	/** After `io.close()`: ends the adapter's own connections. */
	close: () => Promise<void>;
};

const LINK_TIMEOUT_MS = 10_000;
/**
 * TCP keep-alive, so a link cut without a word (a failover, a dropped route) ends and is made
 * again instead of leaving the instance deaf for good; a connection attempt that hangs is retried.
 */
const LINK_SETTINGS = {
	application_name: 'sessionboard-live',
	keepAlive: true,
	connectionTimeoutMillis: LINK_TIMEOUT_MS
};

/** Failures of the link between instances, logged without flooding the log during an outage. */
function errorLogger(via: string) {
	return repeatedFailures((message) => console.error(`Live events (${via}): ${message}`));
}

/**
 * What the adapter asks of a pg.Pool: `query` for its NOTIFY and cleanup, from a pool of one, and
 * `connect` for the connection it LISTENs on, a connection of its own. The adapter asks for a new
 * one whenever it lost the last or could not LISTEN on it, and never gives up a lost one itself;
 * from a shared pool those would stay counted as in use, until no publish could get a connection.
 * So asking again ends the connection asked for before, quietly, since the adapter no longer
 * uses it.
 */
function listenerSource(
	pool: pg.Pool,
	databaseUrl: string,
	log: (error: unknown) => void,
	onRelisten: () => void
) {
	let listening: pg.Client | undefined;
	const connect = async () => {
		const again = listening !== undefined;
		if (listening) {
			listening.removeAllListeners('end');
			listening.end().catch(log);
		}
		const client = new pg.Client({ connectionString: databaseUrl, ...LINK_SETTINGS });
		// Lost while it listens (a database restart), it would throw its error at the process.
		client.on('error', log);
		listening = client;
		await client.connect();
		if (again) afterItsListens(client, onRelisten);
		return Object.assign(client, { release: () => client.end().catch(log) });
	};
	return {
		connect,
		query: pool.query.bind(pool),
		end: async () => {
			listening?.removeAllListeners('end');
			await Promise.allSettled([listening?.end(), pool.end()]);
		}
	};
}

/**
 * Calls `done` once the adapter's LISTENs on a new connection are answered. It sends them one at a
 * time, the next as soon as the one before is answered, so none waiting just after an answer is
 * the end of them.
 */
function afterItsListens(client: pg.Client, done: () => void) {
	const query = client.query.bind(client) as (text: string) => Promise<unknown>;
	let waiting = 0;
	let called = false;
	const answered = () => {
		waiting -= 1;
		setTimeout(() => {
			if (waiting > 0 || called) return;
			called = true;
			done();
		});
	};
	client.query = ((text: string) => {
		waiting += 1;
		const result = query(text);
		result.then(answered, answered);
		return result;
	}) as typeof client.query;
}

/**
 * Makes every emit of `io`, in every namespace, reach the matching sockets of every app instance
 * on the same database: through Redis when `redisUrl` is given, else through PostgreSQL's
 * LISTEN/NOTIFY on the app's own database, so that scaling out needs no other service. Both
 * reconnect by themselves after a failure; events emitted while the link is down reach only this
 * instance's sockets, so once the link is back `onRelinked` brings this instance's pages up to date.
 */
export async function shareAcrossInstances(
	io: Server,
	{
		databaseUrl,
		redisUrl,
		onRelinked
	}: { databaseUrl: string; redisUrl?: string; onRelinked: () => void }
): Promise<SharedAdapter> {
	if (redisUrl) {
		const log = errorLogger('redis');
		const publisher = createClient({ url: redisUrl }).on('error', log);
		const subscriber = publisher.duplicate().on('error', log);
		await Promise.all([publisher.connect(), subscriber.connect()]);
		// node-redis subscribes again by itself once it is back.
		subscriber.on('ready', onRelinked);
		io.adapter(redisAdapter(publisher, subscriber, { key: 'sessionboard' }));
		return {
			via: 'redis',
			close: async () => {
				await Promise.allSettled([publisher.close(), subscriber.close()]);
			}
		};
	}
	const log = errorLogger('postgres');
	const pool = new pg.Pool({
		connectionString: databaseUrl,
		max: 1,
		query_timeout: LINK_TIMEOUT_MS,
		...LINK_SETTINGS
	});
	pool.on('error', log);
	const source = listenerSource(pool, databaseUrl, log, onRelinked);
	io.adapter(
		postgresAdapter(source as unknown as pg.Pool, {
			channelPrefix: 'sessionboard',
			tableName: getTableName(socketIoAttachments),
			errorHandler: log
		})
	);
	return { via: 'postgres', close: source.end };
}
