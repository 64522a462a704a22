/**
 * A job worker in its own process, as `npm run worker` runs one, with the options the test passes
 * as JSON in argv[2]; DATABASE_URL and SMTP_URL come from the environment. Prints "ready" once it
 * works jobs, so the test can kill it at a moment of its choosing.
 */
import { startWorker, type WorkerOptions } from '../../../src/lib/server/jobs/worker';

const options = JSON.parse(process.argv[2] ?? '{}') as WorkerOptions;
await startWorker(process.env.DATABASE_URL!, { ...options, log: () => {} });
console.log('ready');
