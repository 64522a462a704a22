/** `npm run seed`: demo data for trying the app; prints how to sign in. */
import { getDb } from '../lib/server/db';
import { prepareDatabase, stopOnSignals } from '../lib/server/db/prepare';
import { seedDemoData } from '../lib/server/seed';

const database = await prepareDatabase();
stopOnSignals(database);
const db = getDb();
try {
	const demo = await seedDemoData(db);
	console.log(
		`\nDemo practitioner ready. Sign in with:\n  email:    ${demo.email}\n  password: ${demo.password}\n`
	);
} finally {
	await db.$client.end();
	await database.stop();
}
