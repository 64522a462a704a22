/** `npm run db:migrate`: applies pending migrations to DATABASE_URL, or to the embedded database. */
import { prepareDatabase } from '../lib/server/db/prepare';

const database = await prepareDatabase();
await database.stop();
console.log('Migrations are up to date.');
