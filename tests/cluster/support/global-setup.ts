import type { TestProject } from 'vitest/node';
import { buildIfStale } from '../../../src/cli/build';
import databaseSetup from '../../integration/support/global-setup';

/**
 * The cluster tests run the app as it is deployed: `node build/server.js` processes, several on
 * one database. The build is brought up to date first (as `npm start` does), then the database
 * server and template are set up as for the integration tests.
 */
export default async function setup(project: TestProject) {
	const built = await buildIfStale();
	if (built !== 0) throw new Error(`The app did not build (exit ${built}); see the output above.`);
	return databaseSetup(project);
}
