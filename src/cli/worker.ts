/**
 * `npm run worker`: a job worker without the web app, for scale-out. Every app instance runs one
 * unless WORKER_IN_APP=false; extra workers share the jobs through the same database (set
 * DATABASE_URL to it).
 */
import { constants, setPriority } from 'node:os';
import { prepareDatabase } from '../lib/server/db/prepare';
import { startWorker } from '../lib/server/jobs/worker';
import { emitLiveEvents } from '../lib/server/realtime/attach';

// Email can wait a moment, a person at a page cannot: on a machine it shares with the app or the
// database, this process gets the CPU they leave. On a machine of its own it makes no difference.
setPriority(constants.priority.PRIORITY_BELOW_NORMAL);

const database = await prepareDatabase();
const live = await emitLiveEvents(database.url);
const worker = await startWorker(database.url);

let stopping = false;
async function shutdown(signal: string) {
	if (stopping) return;
	stopping = true;
	console.log(`[jobs] ${signal}: finishing the jobs in hand`);
	await worker.stop();
	await live.close();
	await database.stop();
	process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
