import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../../src/lib/server/db/embedded';
import { migrateDatabase } from '../../../src/lib/server/db/migrate';
import { installJobs } from '../../../src/lib/server/jobs/worker';
import { serverUrl, TEMPLATE_PREFIX } from './names';

declare module 'vitest' {
	export interface ProvidedContext {
		databaseServerUrl: string;
		templateDatabase: string;
	}
}

/**
 * One PostgreSQL for the run (DATABASE_URL's server, or an embedded one), one migrated template
 * database on it; each test file clones its own database from the template.
 */
export default async function setup(project: TestProject) {
	let server: string;
	let stop = async () => {};
	if (process.env.DATABASE_URL) {
		server = serverUrl(process.env.DATABASE_URL);
		console.log(`Integration tests use the PostgreSQL server of DATABASE_URL.`);
	} else {
		mkdirSync('.data', { recursive: true });
		const dataDir = mkdtempSync(join(resolve('.data'), 'test-'));
		// mkdtemp makes the folder private; as root, the postgres user must be able to enter it.
		chmodSync(dataDir, 0o755);
		const embedded = await startEmbeddedPostgres(dataDir, console.log, { persistent: false });
		server = embedded.url;
		stop = async () => {
			await embedded.stop();
			rmSync(dataDir, { recursive: true, force: true });
		};
	}

	const template = `${TEMPLATE_PREFIX}${process.pid}`;
	const admin = postgres(server, { max: 1, onnotice: () => {} });
	await admin.unsafe(`drop database if exists "${template}"`);
	await admin.unsafe(`create database "${template}"`);
	const templateUrl = new URL(server);
	templateUrl.pathname = `/${template}`;
	await migrateDatabase(templateUrl.toString());
	// As in every app instance before it serves: some requests only queue a job.
	await installJobs(templateUrl.toString());

	project.provide('databaseServerUrl', server);
	project.provide('templateDatabase', template);

	return async () => {
		const clones = await admin<{ datname: string }[]>`
			select datname from pg_database where datname like ${`${TEMPLATE_PREFIX}${process.pid}%`}`;
		for (const { datname } of clones) {
			await admin.unsafe(`drop database if exists "${datname}" with (force)`);
		}
		await admin.end();
		await stop();
	};
}
