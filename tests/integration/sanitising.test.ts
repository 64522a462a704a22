import { beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db';
import { editorAddenda, editorNote } from '../../src/lib/server/notes/editor';
import { signedUpPractitioner, TestBrowser } from './support/browser';
import { useTestDatabase } from './support/database';
import { makeClient, makeSessions } from './support/practice';
import { publishedSeries } from './support/series';

let db: Database;
beforeAll(async () => {
	({ db } = await useTestDatabase());
});

/** Markup on tags the sanitiser keeps, styled to cover the page with something else. */
const overlaid =
	'<p style="position:fixed;inset:0;z-index:9999;background:#fff">Pay here</p>\n\n' +
	'<a href="https://example.com" style="position:fixed;inset:0">link</a>';

describe('practitioner-written markdown', () => {
	it('shows a signed note and its addendum without any style attribute', async () => {
		const { browser } = await signedUpPractitioner(db);
		const api = await browser.api();
		const { id } = await makeClient(api);
		const [sessionId] = (await makeSessions(api, id)).ids;
		const { version } = await api.notes.save({
			sessionId: sessionId!,
			template: 'free',
			body: overlaid,
			baseVersion: 0
		});
		await api.notes.sign({ sessionId: sessionId!, version });
		await api.notes.addAddendum({ sessionId: sessionId!, body: overlaid });
		const session = await api.sessions.get({ id: sessionId! });
		const shown = [
			editorNote(session.note)!.html!,
			...editorAddenda(session.addenda).map((a) => a.html)
		];
		expect(shown).toHaveLength(2);
		for (const html of shown) {
			expect(html).toContain('<p>Pay here</p>');
			expect(html).not.toMatch(/style|position/i);
		}
	});

	it('shows a public series description without any style attribute', async () => {
		const { browser } = await signedUpPractitioner(db);
		const { slug } = await publishedSeries(await browser.api(), { description: overlaid });
		const visitor = await new TestBrowser(db).api();
		const { descriptionHtml } = await visitor.subscribers.publicSeries({ slug });
		expect(descriptionHtml).toContain('<p>Pay here</p>');
		expect(descriptionHtml).not.toMatch(/style|position/i);
	});
});
