/**
 * `npm run worker`: a job worker without the web app, for scale-out. Every app instance already
 * runs one; extra workers share the jobs through the same database (set DATABASE_URL to it).
 */
import { prepareDatabase } from '../lib/server/db/prepare';
import { startWorker } from '../lib/server/jobs/worker';

const database = await prepareDatabase();
const worker = await startWorker(database.url);

let stopping = false;
async function shutdown(signal: string) {
	if (stopping) return;
	stopping = true;
	console.log(`[jobs] ${signal}: finishing the jobs in hand`);
	await worker.stop();
	await database.stop();
	process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
