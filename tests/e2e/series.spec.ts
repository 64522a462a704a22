import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { AppShell } from './pages/app-shell';
import { Outbox } from './pages/outbox';
import {
	ConfirmPlacePage,
	ManagePlacePage,
	PublicSeriesPage,
	SUBJECT,
	SUBSCRIBER_LINK,
	signUpForSeries,
	UnsubscribePage,
	type Visitor
} from './pages/public-series';
import {
	NewSeriesPage,
	NO_EMAILS,
	SeriesPage,
	SUBSCRIBER_STATUS,
	type SeriesFields
} from './pages/series';
import { newAccount, signUpAndConfirm } from './support/accounts';
import { seriousViolations } from './support/axe';
import { sidewaysOverflow } from './support/layout';
import { isoDate, uniqueName } from './support/practice';
import { expectSameDocument, markDocument } from './support/realtime';
import { screenshots } from './support/shots';

/** Changes reach open pages over socket.io; this is generous for a loaded CI machine. */
const LIVE = { timeout: 5_000 };

/** The practitioner at a desk; the account's time zone, and so the series', is the browser's. */
const DESK = { viewport: { width: 1280, height: 800 }, timezoneId: 'UTC' } as const;
/** A visitor on a phone, in another zone than the series, so the page converts the times. */
const PHONE = {
	viewport: { width: 390, height: 844 },
	hasTouch: true,
	timezoneId: 'America/New_York'
} as const;

/** A person signing up; their address is new on every run, as the rate limits require. */
function newVisitor(label: string, name: string): Visitor {
	return { name, email: newAccount(label).email };
}

type SignedIn = Awaited<ReturnType<BrowserContext['storageState']>>;
type Contexts = {
	/** A fresh browser; `signedIn` makes it one where the practitioner is already signed in. */
	open(
		device: (typeof DESK | typeof PHONE) & { javaScriptEnabled?: boolean },
		signedIn?: SignedIn
	): Promise<BrowserContext>;
};

/** Browser contexts for one test, each like a separate browser; closed when the test ends. */
async function withContexts(
	browser: Browser,
	baseURL: string | undefined,
	run: (contexts: Contexts) => Promise<void>
): Promise<void> {
	const opened: BrowserContext[] = [];
	try {
		await run({
			open: async (device, signedIn) => {
				const context = await browser.newContext({ baseURL, ...device, storageState: signedIn });
				opened.push(context);
				return context;
			}
		});
	} finally {
		for (const context of opened) await context.close();
	}
}

/** Creates a draft series on `page`, signed in as its practitioner; returns its page, left open. */
async function createSeries(page: Page, fields: SeriesFields): Promise<SeriesPage> {
	const form = new NewSeriesPage(page);
	await form.goto();
	await form.create(fields);
	return new SeriesPage(page);
}

function weeklyClass(title: string): SeriesFields {
	return {
		title,
		// Three days ahead, at 01:30 in the series' zone (UTC): the evening before in New York.
		startDate: isoDate(3),
		startTime: '01:30',
		capacity: 3,
		address: 'Studio 2, 14 Harbour Street',
		dates: 6
	};
}

test.describe('Series: public signup with double opt-in', () => {
	/*
	 * One practitioner for the file, each test with a series of its own. The app allows 20 account
	 * sign-ups an hour from one address, and the whole suite signs up from one: a practitioner per
	 * test would spend three of them. So the tests here run one after the other, in one worker.
	 */
	test.describe.configure({ mode: 'default' });
	let practitioner: SignedIn;

	test.beforeAll(async ({ browser, baseURL }) => {
		const context = await browser.newContext({ baseURL, ...DESK });
		await signUpAndConfirm(await context.newPage(), newAccount('series-owner', 'Pat Practitioner'));
		practitioner = await context.storageState();
		await context.close();
	});

	test('a visitor on a phone signs up and confirms from the email; the practitioner’s open page and the public count follow live', async ({
		browser,
		baseURL
	}) => {
		test.setTimeout(120_000);
		await withContexts(browser, baseURL, async (contexts) => {
			const title = uniqueName('Evening Yoga');
			const fields = weeklyClass(title);
			const desk = await (await contexts.open(DESK, practitioner)).newPage();
			const series = await createSeries(desk, fields);
			await expect(series.dates.getByRole('heading', { name: 'Coming dates (UTC)' })).toBeVisible();

			await series.publish();
			const publicPath = await series.publicPath();
			// The address is made from the title when the practitioner leaves it empty.
			expect(publicPath).toBe(`/s/${title.toLowerCase().replaceAll(' ', '-')}`);
			await expect(series.nobodyYet).toBeVisible();
			await expect(series.placesTaken).toHaveText('0 / 3');
			await new AppShell(desk).expectLive();
			await markDocument(desk);

			const visitorContext = await contexts.open(PHONE);
			const phone = await visitorContext.newPage();
			const publicPage = new PublicSeriesPage(phone);
			const visitor = newVisitor('series-visitor', 'Vera Visitor');

			await test.step('the public page works at 390×844, in the visitor’s time zone, and passes axe', async () => {
				await publicPage.goto(publicPath);
				await expect(publicPage.heading).toHaveText(title);
				await expect(phone.getByText('60 minutes · Studio 2, 14 Harbour Street')).toBeVisible();
				await expect(publicPage.spotsLeft).toHaveText('3 of 3 places left.');

				await expect(publicPage.visitorZone).toHaveText(
					'Shown in your time zone (America/New_York).'
				);
				// Four dates show; the other two wait behind "Show all".
				await expect(publicPage.dateLines).toHaveCount(4);
				await expect(publicPage.showAllDates).toHaveText('Show all 6 dates');
				// The first date, as the visitor's own browser writes that instant in their zone, in the
				// practitioner's way (British English, its 24-hour clock); the series' zone is named once,
				// in the schedule line above.
				const firstDate = await phone.evaluate((instant) => {
					const start = new Date(instant);
					return new Intl.DateTimeFormat('en-GB', {
						weekday: 'short',
						day: 'numeric',
						month: 'short',
						year: 'numeric',
						hour: '2-digit',
						minute: '2-digit',
						hourCycle: 'h23',
						timeZone: 'America/New_York'
					}).formatRange(start, new Date(start.getTime() + 60 * 60_000));
				}, `${fields.startDate}T${fields.startTime}:00Z`);
				await expect(publicPage.schedule).toContainText(', UTC');
				await expect(publicPage.dateLines.first()).toHaveText(firstDate);

				expect(await seriousViolations(phone)).toEqual([]);
				expect(await sidewaysOverflow(phone), 'sideways scroll at 390px').toBeLessThanOrEqual(0);
				await markDocument(phone);
			});

			await test.step('the visitor signs up, and the practitioner sees them waiting to confirm', async () => {
				await publicPage.signUp(visitor);
				expect(
					await sidewaysOverflow(phone),
					'sideways scroll at 390px after signing up'
				).toBeLessThanOrEqual(0);

				await expect(series.subscriber(visitor.email)).toContainText(visitor.name, LIVE);
				await expect(series.subscriberStatus(visitor.email)).toHaveText(
					SUBSCRIBER_STATUS.pending,
					LIVE
				);
				// Nobody holds a place before confirming.
				await expect(series.placesTaken).toHaveText('0 / 3');
				await expect(publicPage.spotsLeft).toHaveText('3 of 3 places left.');
			});

			await test.step('the visitor confirms from the email; both open pages update without a reload', async () => {
				await publicPage.expectListening();
				const inbox = await visitorContext.newPage();
				const email = await new Outbox(inbox).email(visitor.email, SUBJECT.confirm(title));
				await expect(email).toContainText('Unsubscribe from these emails:');
				await expect(email.getByRole('link', { name: SUBSCRIBER_LINK.unsubscribe })).toBeVisible();

				const confirmPage = new ConfirmPlacePage(inbox);
				await confirmPage.openFromEmail(visitor.email, title);
				// Opening the link confirms nothing: mail scanners open links too.
				await expect(series.subscriberStatus(visitor.email)).toHaveText(SUBSCRIBER_STATUS.pending);
				expect.soft(await seriousViolations(inbox), 'confirmation page').toEqual([]);
				await confirmPage.confirm();

				await expect(series.subscriberStatus(visitor.email)).toHaveText(
					SUBSCRIBER_STATUS.active,
					LIVE
				);
				await expect(series.placesTaken).toHaveText('1 / 3', LIVE);
				await expectSameDocument(desk);

				await expect(publicPage.spotsLeft).toHaveText('2 of 3 places left.', LIVE);
				await expectSameDocument(phone);
			});
		});
	});

	test('the unsubscribe link in a subscriber’s email works in one click, and so does a mail provider’s RFC 8058 POST', async ({
		browser,
		baseURL,
		request
	}) => {
		test.setTimeout(120_000);
		await withContexts(browser, baseURL, async (contexts) => {
			const title = uniqueName('Morning Circle');
			const desk = await (await contexts.open(DESK, practitioner)).newPage();
			const series = await createSeries(desk, weeklyClass(title));
			await series.publish();
			const publicPath = await series.publicPath();

			const ada = newVisitor('series-ada', 'Ada Subscriber');
			const bea = newVisitor('series-bea', 'Bea Subscriber');
			const phone = await (await contexts.open(PHONE)).newPage();
			await signUpForSeries(phone, publicPath, title, ada);
			await signUpForSeries(phone, publicPath, title, bea);

			await expect(series.placesTaken).toHaveText('2 / 3', LIVE);
			for (const person of [ada, bea]) {
				await expect(series.subscriberStatus(person.email)).toHaveText(SUBSCRIBER_STATUS.active);
			}
			await new AppShell(desk).expectLive();
			await markDocument(desk);
			const outbox = new Outbox(phone);

			await test.step('Ada follows the link in her email and unsubscribes with one click', async () => {
				const welcome = await outbox.email(ada.email, SUBJECT.admitted(title));
				await expect(welcome).toContainText('Unsubscribe from these emails:');
				await welcome.getByRole('link', { name: SUBSCRIBER_LINK.unsubscribe }).click();
				await expect(phone).toHaveURL(SUBSCRIBER_LINK.unsubscribe);

				const unsubscribe = new UnsubscribePage(phone);
				await expect(unsubscribe.heading).toBeVisible();
				await expect(unsubscribe.question).toBeVisible();
				expect.soft(await seriousViolations(phone), 'unsubscribe page').toEqual([]);
				await unsubscribe.button.click();
				await expect(unsubscribe.done).toHaveText(
					'Done: you will get no more emails about this series. Your place, if you have one, is kept.'
				);
				await expect(unsubscribe.button).toHaveCount(0);

				await expect(series.subscriberStatus(ada.email)).toHaveText(
					SUBSCRIBER_STATUS.active + NO_EMAILS,
					LIVE
				);
				await expect(series.subscriberStatus(bea.email)).toHaveText(SUBSCRIBER_STATUS.active);
				await expect(series.placesTaken).toHaveText('2 / 3');
				await expectSameDocument(desk);

				// Her own page agrees: the place is kept, and the emails have stopped.
				await (
					await outbox.email(ada.email, SUBJECT.admitted(title))
				)
					.getByRole('link', { name: SUBSCRIBER_LINK.manage })
					.click();
				const manage = new ManagePlacePage(phone);
				await expect(manage.status).toHaveText('You have a place.');
				await expect(manage.noEmails).toBeVisible();
				await expect(manage.stopEmailsButton).toHaveCount(0);
			});

			let beaUnsubscribeUrl = '';
			await test.step('a cancelled date is emailed to Bea, who is subscribed, and not to Ada', async () => {
				await series.cancelFirstDate();
				const cancelled = await outbox.email(bea.email, SUBJECT.cancelled(title));
				beaUnsubscribeUrl =
					(await cancelled
						.getByRole('link', { name: SUBSCRIBER_LINK.unsubscribe })
						.getAttribute('href')) ?? '';
				expect(beaUnsubscribeUrl).toMatch(SUBSCRIBER_LINK.unsubscribe);
				// Both emails would have been queued together, in the cancellation's transaction.
				await expect(outbox.emailsTo(ada.email, SUBJECT.cancelled(title))).toHaveCount(0);
			});

			await test.step('a mail provider’s one-click POST (RFC 8058), with no cookie and no page, unsubscribes Bea', async () => {
				expect((await request.storageState()).cookies).toEqual([]);
				const response = await request.post(beaUnsubscribeUrl, {
					form: { 'List-Unsubscribe': 'One-Click' }
				});
				expect(response.status(), await response.text()).toBeGreaterThanOrEqual(200);
				expect(response.status()).toBeLessThan(300);

				await expect(series.subscriberStatus(bea.email)).toHaveText(
					SUBSCRIBER_STATUS.active + NO_EMAILS,
					LIVE
				);
				await expect(series.placesTaken).toHaveText('2 / 3');
				await expectSameDocument(desk);
			});
		});
	});

	test('Cancel date, Remove and Leave the series each ask first, also without JavaScript, and a cancelled date can be put back on', async ({
		browser,
		baseURL
	}) => {
		test.setTimeout(120_000);
		await withContexts(browser, baseURL, async (contexts) => {
			const title = uniqueName('Evening Circle');
			const desk = await (await contexts.open(DESK, practitioner)).newPage();
			const series = await createSeries(desk, weeklyClass(title));
			const seriesId = new URL(desk.url()).pathname.split('/').pop()!;
			await series.publish();
			const publicPath = await series.publicPath();
			const ada = newVisitor('series-ada', 'Ada Subscriber');
			const bea = newVisitor('series-bea', 'Bea Subscriber');
			const phone = await (await contexts.open(PHONE)).newPage();
			await signUpForSeries(phone, publicPath, title, ada);
			await signUpForSeries(phone, publicPath, title, bea);
			await expect(series.placesTaken).toHaveText('2 / 3', LIVE);
			const outbox = new Outbox(phone);

			await test.step('Cancel date asks first, naming who is emailed; keeping the date changes nothing', async () => {
				const cancel = series.dates.getByRole('button', { name: 'Cancel date' });
				const before = await cancel.count();
				await cancel.first().click();
				const question = series.confirmStep(/^Cancel the date on /);
				await expect(question).toContainText(
					'2 people with a place or on the waitlist will be emailed at once'
				);
				const keep = question.getByRole('link', { name: 'Keep the date' });
				await expect(keep).toBeFocused();
				expect(await seriousViolations(desk), 'cancel question').toEqual([]);
				await screenshots(desk, 'series-cancel-question');
				await keep.click();
				await expect(question).toHaveCount(0);
				await expect(cancel).toHaveCount(before);

				await series.cancelFirstDate();
				await outbox.email(ada.email, SUBJECT.cancelled(title));
				await expect(outbox.emailsTo(bea.email, SUBJECT.cancelled(title))).toHaveCount(1);
			});

			await test.step('the cancelled date is put back on, after its own question, and everyone is told', async () => {
				await screenshots(desk, 'series-cancelled-date');
				await series.restoreFirstCancelledDate();
				await outbox.email(ada.email, SUBJECT.restored(title));
				await outbox.email(bea.email, SUBJECT.restored(title));
			});

			await test.step('without JavaScript, Remove asks on the page the server sends, then removes', async () => {
				const plain = await (
					await contexts.open({ ...DESK, javaScriptEnabled: false }, practitioner)
				).newPage();
				const noScript = new SeriesPage(plain);
				await noScript.goto(seriesId);
				await noScript.removeButton(bea.name).click();
				const question = noScript.confirmStep(`Remove ${bea.name}?`);
				await expect(question).toBeVisible();
				await expect(noScript.subscriber(bea.email)).toBeVisible();
				// axe needs a script to run; the same dialog is checked with JavaScript above.
				await screenshots(plain, 'series-remove-question-no-js');
				await question.getByRole('button', { name: `Remove ${bea.name}` }).click();
				await expect(noScript.subscriber(bea.email)).toHaveCount(0);
				await expect(noScript.placesTaken).toHaveText('1 / 3');
				await expect(series.subscriber(bea.email)).toHaveCount(0, LIVE);
			});

			await test.step('Leave the series asks first on the subscriber’s own page', async () => {
				await (
					await outbox.email(ada.email, SUBJECT.admitted(title))
				)
					.getByRole('link', { name: SUBSCRIBER_LINK.manage })
					.click();
				const manage = new ManagePlacePage(phone);
				await expect(manage.status).toHaveText('You have a place.');
				await manage.leaveButton.click();
				await expect(manage.confirmStep).toContainText('Your place goes to the next person');
				expect(await seriousViolations(phone), 'leave question').toEqual([]);
				await screenshots(phone, 'manage-leave-question');
				await manage.confirmStep.getByRole('link', { name: 'Stay in the series' }).click();
				await expect(manage.confirmStep).toHaveCount(0);
				await expect(manage.status).toHaveText('You have a place.');

				await manage.leaveButton.click();
				await manage.confirmStep.getByRole('button', { name: 'Leave the series' }).click();
				await expect(manage.status).toHaveText('You have left this series.');
				await expect(series.placesTaken).toHaveText('0 / 3', LIVE);
			});
		});
	});

	test('the owner downloads the subscriber list as CSV; another practitioner gets not found for the series page and its CSV', async ({
		browser,
		baseURL
	}) => {
		test.setTimeout(120_000);
		await withContexts(browser, baseURL, async (contexts) => {
			const title = uniqueName('Private Circle');
			const desk = await (await contexts.open(DESK, practitioner)).newPage();
			const series = await createSeries(desk, weeklyClass(title));
			await series.publish();
			const seriesPath = new URL(desk.url()).pathname;
			const nora = newVisitor('series-private', 'Nora Private');
			const phone = await (await contexts.open(PHONE)).newPage();
			await signUpForSeries(phone, await series.publicPath(), title, nora);

			const own = await desk.request.get(`${seriesPath}/subscribers.csv`);
			expect(own.status()).toBe(200);
			expect(own.headers()['content-type']).toBe('text/csv; charset=utf-8');
			const rows = (await own.text()).trim().split('\r\n');
			expect(rows).toHaveLength(2);
			expect(rows[1]).toContain(`Nora Private,${nora.email},,active,on,`);

			const other = await (await contexts.open(DESK)).newPage();
			await signUpAndConfirm(other, newAccount('series-other', 'Oscar Other'));
			const page = await other.goto(seriesPath);
			expect(page?.status()).toBe(404);
			await expect(other.getByText(title)).toHaveCount(0);
			await expect(other.getByText(nora.email)).toHaveCount(0);
			const csv = await other.request.get(`${seriesPath}/subscribers.csv`);
			expect(csv.status()).toBe(404);
			expect(await csv.text()).not.toContain(nora.email);
		});
	});

	test('a draft series has no public signup page until it is published, and an archived one takes no new signups', async ({
		browser,
		baseURL
	}) => {
		await withContexts(browser, baseURL, async (contexts) => {
			const title = uniqueName('Draft Circle');
			const slug = `${title.toLowerCase().replaceAll(' ', '-')}-signup`;
			const desk = await (await contexts.open(DESK, practitioner)).newPage();
			const series = await createSeries(desk, { ...weeklyClass(title), slug });
			await expect(series.publishButton).toBeVisible();
			await expect(
				desk.getByText(`Public page at ${baseURL}/s/${slug} once published`)
			).toBeVisible();

			const phone = await (await contexts.open(PHONE)).newPage();
			const publicPage = new PublicSeriesPage(phone);

			await test.step('while it is a draft, its address is not found and offers no form', async () => {
				const response = await phone.goto(`/s/${slug}`);
				expect(response?.status()).toBe(404);
				await expect(phone.getByRole('heading', { name: '404', level: 1 })).toBeVisible();
				await expect(phone.getByText('That series does not exist.')).toBeVisible();
				expect(await seriousViolations(phone), 'not-found page').toEqual([]);
				await expect(phone.getByText(title)).toHaveCount(0);
				await expect(publicPage.email).toHaveCount(0);
				await expect(publicPage.signUpButton).toHaveCount(0);
			});

			await test.step('once published, the same address takes signups', async () => {
				await series.publish();
				expect(await series.publicPath()).toBe(`/s/${slug}`);
				await publicPage.goto(`/s/${slug}`);
				await expect(publicPage.heading).toHaveText(title);
				await expect(publicPage.spotsLeft).toHaveText('3 of 3 places left.');
				await expect(publicPage.signUpButton).toBeVisible();
			});

			await test.step('once archived, the page says so and offers no form', async () => {
				await series.archive();
				await publicPage.goto(`/s/${slug}`);
				await expect(publicPage.heading).toHaveText(title);
				await expect(publicPage.spotsLeft).toHaveText(
					'This series has ended and takes no new signups.'
				);
				await expect(publicPage.email).toHaveCount(0);
				await expect(publicPage.signUpButton).toHaveCount(0);
			});
		});
	});
});
