/** `npm run db:migrate`: applies pending migrations to DATABASE_URL, or to the embedded database. */
import { prepareDatabase, stopOnSignals } from '../lib/server/db/prepare';

const database = await prepareDatabase();
stopOnSignals(database);
await database.stop();
console.log('Migrations are up to date.');
