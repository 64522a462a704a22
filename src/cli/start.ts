/** `npm start`: builds the app when its sources changed since the last build, then serves it. */
import { join } from 'node:path';
import { buildIfStale, run } from './build';

const built = await buildIfStale();
if (built !== 0) process.exit(built);
process.exit(await run(process.execPath, [join('build', 'server.js')]));
