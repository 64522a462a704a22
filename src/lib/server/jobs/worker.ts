import PgBoss from 'pg-boss';
import { config } from '../config';
import { createDatabase, type Database } from '../db';
import {
	defaultPolicy,
	deliverMany,
	sweepStranded,
	type DeliveryOutcome,
	type DeliveryPolicy
} from '../email/deliveries';
import { sendPasswordReset } from '../account/service';
import { closeTransports } from '../email/mailer';
import { queueDueReminders } from '../series/reminders';
import { extendAllSeries } from '../series/service';
import { releaseLapsedHolds } from '../payments/checkout';
import {
	followDatesEnteringWindow,
	retryFailingMeetings,
	runMeetingJob,
	type ZoomMeetingJob
} from '../integrations/zoom/meetings';
import {
	emailWakers,
	JOB_SCHEMA,
	QUEUES,
	type EmailSendJob,
	type PasswordResetJob
} from './queues';
import { surviveLostJobCompletions } from './lost-completions';
import { untilQuiet } from './until-quiet';
import { repeatedFailures } from '../repeated-failures';

export type WorkerOptions = {
	/** Delivery claims and attempts; see DeliveryPolicy. */
	policy?: Partial<DeliveryPolicy>;
	/**
	 * First retry of a failed job after about this long, doubling each time: an email's too, unless
	 * `policy` says otherwise.
	 */
	retryDelaySeconds?: number;
	/**
	 * How often this worker looks for deliveries no job will bring in time and for retries that
	 * are due (see sweepStranded): with the lease, this bounds how long a dead worker's emails wait.
	 */
	sweepIntervalSeconds?: number;
	/** How often an idle worker asks for email jobs; queueing in this process wakes it at once. */
	pollingIntervalSeconds?: number;
	/** Email jobs taken at a time. */
	batchSize?: number;
	/** Retries of a failing Zoom meeting job before its date shows the meeting as failed. */
	zoomRetries?: number;
	/** Run the reminder, extension and payment-hold crons (tests drive them by hand). */
	crons?: boolean;
	/**
	 * For a worker inside the app: hold a batch of email while the process is busy answering
	 * requests, for at most this long, so that a crowd at a signup page is answered first.
	 */
	yieldToRequestsMs?: number;
	log?: (message: string) => void;
};

export type RunningWorker = {
	boss: PgBoss;
	db: Database;
	policy: DeliveryPolicy;
	stop: () => Promise<void>;
};

/**
 * How long the worker inside the app holds a batch of email while the app answers requests: a
 * crowd at a signup page gets its answers first, and its emails right after.
 */
const YIELD_TO_REQUESTS_MS = 3000;

/** Until the first retry of a failed send, unless a worker is told otherwise. */
const RETRY_DELAY_SECONDS = 10;
/** With the delay doubling from 10 s, a Zoom outage of about ten minutes is ridden out. */
const ZOOM_RETRIES = 6;

export function createBoss(url: string, options: Partial<PgBoss.ConstructorOptions> = {}): PgBoss {
	return new PgBoss({
		...options,
		connectionString: url,
		schema: JOB_SCHEMA,
		application_name: 'sessionboard-jobs',
		max: 4,
		// A minute's cron job is created within seconds of the minute, not up to half a minute late
		// (pg-boss's defaults: 30 s and 5 s): reminders are due to the minute.
		cronMonitorIntervalSeconds: 2,
		cronWorkerIntervalSeconds: 1,
		// Expired jobs are found by this maintenance (pg-boss's default: every 2 minutes): a dead
		// worker's reminder run is taken up again within seconds of its expiry.
		maintenanceIntervalSeconds: 10
	});
}

/**
 * Creates the queues, or brings an existing queue's settings in line with this code's. A job
 * still active at its expiry, because its worker died holding it or because it runs that long,
 * is failed by pg-boss, which retries it if it may. For email that is only a backstop: the sweep
 * takes a dead worker's deliveries over long before.
 */
async function defineQueues(
	boss: PgBoss,
	policy: DeliveryPolicy,
	retryDelaySeconds: number,
	zoomRetries = ZOOM_RETRIES
): Promise<void> {
	const queues: PgBoss.Queue[] = [
		{
			name: QUEUES.emailSend,
			retryLimit: policy.maxAttempts - 1,
			retryDelay: retryDelaySeconds,
			retryBackoff: true,
			expireInSeconds: 10 * 60
		},
		// singleton: the cron's next run waits while one is active. A run takes seconds: one whose
		// worker died is given up after half a minute and run again at once, so reminders are
		// queued within a minute of a crash. A run given up while it still goes on may overlap
		// its retry, which queues nothing twice (each reminder has its key; see queueDueReminders).
		{
			name: QUEUES.seriesReminders,
			policy: 'singleton',
			retryLimit: 1,
			retryDelay: 0,
			expireInSeconds: 30
		},
		{ name: QUEUES.seriesExtend, policy: 'singleton', retryLimit: 1, expireInSeconds: 30 * 60 },
		{ name: QUEUES.subscriberHolds, policy: 'singleton', retryLimit: 0, expireInSeconds: 10 * 60 },
		{
			name: QUEUES.passwordReset,
			retryLimit: 3,
			retryDelay: retryDelaySeconds,
			retryBackoff: true,
			expireInSeconds: 5 * 60
		},
		{
			name: QUEUES.zoomMeeting,
			retryLimit: zoomRetries,
			retryDelay: retryDelaySeconds,
			retryBackoff: true,
			expireInSeconds: 5 * 60
		}
	];
	for (const queue of queues) {
		await boss.createQueue(queue.name, queue);
		await boss.updateQueue(queue.name, queue);
	}
}

/**
 * For an app instance that runs no worker (WORKER_IN_APP=false): installs or migrates pg-boss's
 * schema and the queues, so that email queued by its requests gets its job at once, for the
 * workers elsewhere to send.
 */
export async function installJobs(url: string): Promise<void> {
	const boss = createBoss(url, { supervise: false, schedule: false });
	await boss.start();
	try {
		await defineQueues(boss, defaultPolicy, RETRY_DELAY_SECONDS);
	} finally {
		await boss.stop({ graceful: false, wait: true });
	}
}

const running = new Set<RunningWorker>();

/**
 * Starts pg-boss on the app's database (installing or migrating its schema) and works every job:
 * email sends, the minute's reminders, the hourly extension of series, the minute's lapsed payment
 * holds. Several workers — in app instances or `npm run worker` — share the work through the database.
 */
export async function startWorker(
	url: string,
	options: WorkerOptions = {}
): Promise<RunningWorker> {
	const log = options.log ?? ((message: string) => console.log(`[jobs] ${message}`));
	const policy: DeliveryPolicy = {
		...defaultPolicy,
		retryDelaySeconds: options.retryDelaySeconds ?? defaultPolicy.retryDelaySeconds,
		...options.policy
	};
	const batchSize = options.batchSize ?? 50;
	const sweepSeconds = options.sweepIntervalSeconds ?? 10;

	surviveLostJobCompletions(log);
	const db = createDatabase(url, { max: 6 });
	const boss = createBoss(url);
	let stopping = false;
	// On shutdown the embedded database may stop first; pg-boss's complaints about that are noise.
	// While the database is down, pg-boss fails every poll of every queue: once a minute is enough.
	const bossFailed = repeatedFailures((message) => log(`pg-boss: ${message}`));
	boss.on('error', (error) => stopping || bossFailed(error));
	await boss.start();
	await defineQueues(
		boss,
		policy,
		options.retryDelaySeconds ?? RETRY_DELAY_SECONDS,
		options.zoomRetries
	);

	if (options.crons ?? true) {
		await boss.schedule(QUEUES.seriesReminders, '* * * * *');
		await boss.schedule(QUEUES.seriesExtend, '0 * * * *');
		await boss.schedule(QUEUES.subscriberHolds, '* * * * *');
	}

	let emailWorkerId = '';
	emailWorkerId = await boss.work<EmailSendJob>(
		QUEUES.emailSend,
		{ batchSize, pollingIntervalSeconds: options.pollingIntervalSeconds ?? 1 },
		async (jobs) => {
			if (options.yieldToRequestsMs) await untilQuiet(options.yieldToRequestsMs);
			const outcomes = await deliverMany(
				db,
				jobs.map((job) => job.data.deliveryId),
				policy
			);
			// Failing single jobs leaves the rest of the batch to complete (pg-boss completes
			// only jobs still active when the handler returns).
			const again = jobs.flatMap((job) => {
				const outcome = outcomes.get(job.data.deliveryId);
				return outcome && needsAnotherTry(outcome) ? [{ job, outcome }] : [];
			});
			for (const { job, outcome } of again) {
				await boss.fail(QUEUES.emailSend, job.id, {
					message: 'error' in outcome ? outcome.error : 'claimed by another worker'
				});
			}
			// A full batch suggests more are waiting: skip the polling pause.
			if (jobs.length === batchSize) boss.notifyWorker(emailWorkerId);
		}
	);

	await boss.work<PasswordResetJob>(
		QUEUES.passwordReset,
		{ pollingIntervalSeconds: 1 },
		async (jobs) => {
			for (const job of jobs) {
				await sendPasswordReset(db, job.data);
				// The address someone typed, perhaps of no account: kept no longer than needed
				// (pg-boss keeps done jobs for days).
				await boss.deleteJob(QUEUES.passwordReset, job.id);
			}
		}
	);

	await boss.work<ZoomMeetingJob>(
		QUEUES.zoomMeeting,
		{ pollingIntervalSeconds: 1, includeMetadata: true },
		async (jobs) => {
			for (const job of jobs) {
				const outcome = await runMeetingJob(db, job.data, job.retryCount >= job.retryLimit);
				// Zoom's Retry-After is waited out by a new job due then, not by holding this one.
				if ('waitSeconds' in outcome) {
					await boss.send(QUEUES.zoomMeeting, outcome.again, {
						startAfter: outcome.waitSeconds
					});
				}
			}
		}
	);

	await boss.work(QUEUES.seriesReminders, { pollingIntervalSeconds: 1 }, async () => {
		const queued = await queueDueReminders(db);
		if (queued > 0) log(`queued ${queued} reminder${queued === 1 ? '' : 's'}`);
	});
	await boss.work(QUEUES.seriesExtend, { pollingIntervalSeconds: 10 }, async () => {
		await extendAllSeries(db);
		await followDatesEnteringWindow(db);
		await retryFailingMeetings(db);
	});

	await boss.work(QUEUES.subscriberHolds, { pollingIntervalSeconds: 1 }, async () => {
		const released = await releaseLapsedHolds(db);
		if (released > 0) log(`released ${released} lapsed hold${released === 1 ? '' : 's'}`);
	});

	// One sweep at a time: a slow one (a slow SMTP server) is not joined by another every beat.
	const sweepFailed = repeatedFailures((message) => log(`sweep failed: ${message}`));
	let sweeping: Promise<void> | undefined;
	const sweep = () => {
		sweeping ??= (async () => {
			try {
				// The worker inside the app lets a crowd be answered first here too.
				if (options.yieldToRequestsMs) await untilQuiet(options.yieldToRequestsMs);
				const taken = await sweepStranded(db, policy);
				if (taken > 0) log(`tried ${taken} due or stranded deliver${taken === 1 ? 'y' : 'ies'}`);
			} catch (error) {
				sweepFailed(error);
			} finally {
				sweeping = undefined;
			}
		})();
	};
	const sweepTimer = setInterval(sweep, sweepSeconds * 1000);
	sweep();

	const wake = () => boss.notifyWorker(emailWorkerId);
	emailWakers().add(wake);

	const worker: RunningWorker = {
		boss,
		db,
		policy,
		async stop() {
			if (!running.delete(worker)) return;
			stopping = true;
			emailWakers().delete(wake);
			clearInterval(sweepTimer);
			await sweeping;
			await boss.stop({ graceful: true, timeout: 15_000 });
			await db.$client.end({ timeout: 5 });
			if (running.size === 0) closeTransports();
		}
	};
	running.add(worker);
	log('worker started');
	return worker;
}

/**
 * An app instance's own jobs: a worker, or with WORKER_IN_APP=false only the queues, for the
 * workers elsewhere. Call before the first request, so that email queued by requests gets its job.
 */
export async function startAppJobs(url: string): Promise<RunningWorker | undefined> {
	if (config().WORKER_IN_APP) return startWorker(url, { yieldToRequestsMs: YIELD_TO_REQUESTS_MS });
	await installJobs(url);
	return undefined;
}

/** A failed send's retry is the sweep's, at the time its delivery says; its job is done. */
function needsAnotherTry(outcome: DeliveryOutcome): boolean {
	return outcome.status === 'busy' || outcome.status === 'failed';
}
