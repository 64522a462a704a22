/**
 * The public signup page as a visitor and a link preview get it: the practitioner and the
 * one-line schedule at the top, each date once, og: tags escaped, the picture only when its owner
 * chose to show it, and the emails it leads to named and signed by the practitioner.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db';
import { outboxEmails, seriesOccurrences, userPictures } from '../../src/lib/server/db/schema';
import { deliver } from '../../src/lib/server/email/deliveries';
import { formatTimeRange } from '../../src/lib/format';
import { startApp, type App } from './support/app-server';
import { emailsTo, signedUpPractitioner, TestBrowser } from './support/browser';
import { useTestDatabase } from './support/database';
import { failure } from './support/errors';
import { publishedSeries } from './support/series';

let db: Database;
let app: App;

beforeAll(async () => {
	({ db } = await useTestDatabase());
	delete process.env.SMTP_URL;
	app = await startApp();
});
afterAll(() => app?.stop());

/** A PNG's first bytes, then anything: what the picture route checks nothing further of. */
const PNG = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(64, 7)]);

async function practitionerWithSeries(name: string, title = 'Evening yoga') {
	const practitioner = await signedUpPractitioner(db, name);
	const api = await practitioner.browser.api();
	const series = await publishedSeries(api, { title, slug: '' });
	return { ...practitioner, api, series };
}

const page = async (slug: string) => (await fetch(`${app.origin}/s/${slug}`)).text();

/** What the page shows: its body without the data and code that come with it. */
function visible(html: string): string {
	return html.slice(html.indexOf('<body')).replace(/<script[\s\S]*?<\/script>/g, '');
}

/** The content of `<meta property|name="key" content="…">`, as written in the HTML. */
function meta(html: string, key: string): string | undefined {
	return html.match(new RegExp(`<meta (?:property|name)="${key}" content="([^"]*)"`))?.[1];
}

describe('the public signup page', () => {
	it('names the practitioner and the schedule in one line, and lists each coming date once', async () => {
		const { series } = await practitionerWithSeries('Maya Jensen');
		const html = await page(series.slug);
		expect(html).toMatch(/with <span[^>]*>Maya Jensen<\/span>/);
		// Tuesdays at 18:00 in Berlin (support/series.ts), from the next one.
		expect(html).toMatch(
			/data-testid="schedule">Tuesdays 18:00–19:00 from \d{1,2} [A-Z][a-z]+( \d{4})?, Berlin time</
		);
		expect(html).toContain('20 of 20 places left.');

		const dates = await db
			.select()
			.from(seriesOccurrences)
			.where(eq(seriesOccurrences.seriesId, series.id));
		const coming = dates
			.filter((d) => d.startsAt > new Date())
			.sort((a, b) => +a.startsAt - +b.startsAt);
		expect(coming.length).toBeGreaterThan(4);
		const prefs = { locale: 'en-GB', clock: 'locale' as const, timeZone: 'Europe/Berlin' };
		for (const date of coming.slice(0, 60)) {
			const text = formatTimeRange(date.startsAt, date.endsAt, 'Europe/Berlin', prefs);
			expect(html.split(`<li>${text}</li>`).length - 1, text).toBe(1);
		}
		// The first four show; the rest wait behind "Show all", or "Show the next 60" when there are more.
		expect(html).toContain(
			coming.length > 60 ? 'Show the next 60 dates' : `Show all ${coming.length} dates`
		);
		// The zone is named once, in the schedule line; nothing else on the page repeats it.
		const shown = visible(html);
		expect(shown.split('Berlin time').length - 1).toBe(1);
		expect(shown).not.toContain('Europe/Berlin');
	});

	it('describes itself for link previews, escaped, with no picture unless one is public', async () => {
		const { series } = await practitionerWithSeries(
			'Ann "Annie" <O\'Brien>',
			'Yoga "flow" <b>& rest</b>'
		);
		const html = await page(series.slug);
		expect(meta(html, 'og:title')).toBe('Yoga &quot;flow&quot; &lt;b>&amp; rest&lt;/b>');
		expect(meta(html, 'og:type')).toBe('website');
		expect(meta(html, 'og:url')).toBe(`${app.origin}/s/${series.slug}`);
		const description = meta(html, 'og:description');
		expect(description).toMatch(/^Tuesdays 18:00–19:00 from .*, Berlin time · with Ann/);
		expect(description).toContain("with Ann &quot;Annie&quot; &lt;O'Brien>");
		expect(meta(html, 'description')).toBe(description);
		expect(html).not.toContain('<b>& rest</b>');
		expect(html).not.toContain('og:image');
	});

	it('sums up its description in words, without the marks of its markdown', async () => {
		const { browser } = await signedUpPractitioner(db, 'Maya Jensen');
		const { slug } = await publishedSeries(await browser.api(), {
			slug: '',
			description:
				'## About\nA **calm** [class](https://x.example) for ![tired](y.png) people.\n\n' +
				`| Level | Mat |\n| - | - |\n| all | yes |\n\n${'['.repeat(19_000)}`
		});
		const description = meta(await page(slug), 'og:description')!;
		expect(description).toMatch(/ · About A calm class for tired people\. \[{10}/);
		expect(description).toMatch(/\[…$/);
	});

	it('serves the practitioner’s picture only while they choose to show it', async () => {
		const { api, user, series } = await practitionerWithSeries('Pia Picture');
		const picture = () => fetch(`${app.origin}/s/${series.slug}/picture`);
		// No picture at all, and not chosen either.
		expect((await picture()).status).toBe(404);
		expect(await api.account.publicPicture()).toEqual({
			hasPicture: false,
			pictureOnPublicPages: false
		});

		await db.insert(userPictures).values({ userId: user.id, contentType: 'image/png', bytes: PNG });
		expect((await picture()).status).toBe(404);
		expect(await page(series.slug)).not.toContain('og:image');

		await api.account.setPublicPicture({ pictureOnPublicPages: true });
		const shown = await picture();
		expect(shown.status).toBe(200);
		expect(shown.headers.get('content-type')).toBe('image/png');
		expect(Buffer.from(await shown.arrayBuffer())).toEqual(PNG);
		const html = await page(series.slug);
		expect(meta(html, 'og:image')).toBe(`${app.origin}/s/${series.slug}/picture`);
		expect(html).toContain(`src="/s/${series.slug}/picture"`);

		// Another practitioner's choice changes nothing of hers.
		const other = await practitionerWithSeries('Otto Other');
		await other.api.account.setPublicPicture({ pictureOnPublicPages: false });
		expect((await picture()).status).toBe(200);

		await api.account.setPublicPicture({ pictureOnPublicPages: false });
		expect((await picture()).status).toBe(404);
		expect((await fetch(`${app.origin}/s/no-such-series/picture`)).status).toBe(404);
		expect((await fetch(`${app.origin}/s/${'x'.repeat(200)}/picture`)).status).toBe(404);
	});

	it('refuses a picture choice that is not a yes or no, and from nobody signed in', async () => {
		const { api } = await practitionerWithSeries('Rita Refused');
		const refused = await failure(
			api.account.setPublicPicture({ pictureOnPublicPages: 'yes' as unknown as boolean })
		);
		expect(refused.code).toBe('BAD_REQUEST');
		const visitor = await new TestBrowser(db).api();
		expect(
			(await failure(visitor.account.setPublicPicture({ pictureOnPublicPages: true }))).code
		).toBe('UNAUTHORIZED');
		expect((await failure(visitor.account.publicPicture())).code).toBe('UNAUTHORIZED');
	});

	it('leads to emails from "<practitioner> via Sessionboard", signed by them', async () => {
		const { series } = await practitionerWithSeries('Maya Jensen');
		const visitor = await new TestBrowser(db).api();
		const email = `visitor-${series.slug}@example.com`;
		await visitor.subscribers.signUp({
			slug: series.slug,
			fields: { name: 'Vera', email, phone: '', consent: true, website: '' }
		});
		const [queued] = await emailsTo(db, email);
		expect(queued!.text).toMatch(/\n— Maya Jensen\n/);
		expect(queued!.html).toContain('— Maya Jensen</p>');
		// Without SMTP it lands in the outbox, with the From it would have been sent with.
		expect(await deliver(db, queued!.id)).toEqual({ status: 'sent' });
		const [kept] = await db.select().from(outboxEmails).where(eq(outboxEmails.to, email));
		expect(kept!.headers.From).toMatch(/^Maya Jensen via Sessionboard <[^<>\s]+@[^<>\s]+>$/);
		expect(Object.keys(kept!.headers)).not.toContain(':from-name');
	});
});
