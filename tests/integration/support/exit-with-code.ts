/**
 * Starts the embedded PostgreSQL as every entry point does, stops it, and ends with the exit code
 * given in argv[2] set as process.exitCode: the way a test runner reports failures.
 */
import { prepareDatabase } from '../../../src/lib/server/db/prepare';

const database = await prepareDatabase();
process.exitCode = Number(process.argv[2]);
await database.stop();
