import { expect, type APIRequestContext, type Locator, type Page } from '@playwright/test';

/** The note editor's sync line, word for word (src/lib/note-drafts.svelte.ts). */
export const SYNC = {
	saved: 'Saved',
	saving: 'Saving…',
	offline: 'Offline — kept on this device, will send when back online',
	pending: 'Not sent yet',
	conflict: 'Changed on another device — choose which version to keep'
} as const;

/** /today: the tablet session mode. */
export class TodayPage {
	readonly heading: Locator;
	readonly sessions: Locator;
	readonly panel: Locator;
	readonly timer: Locator;
	readonly noteText: Locator;
	readonly syncState: Locator;

	constructor(readonly page: Page) {
		this.heading = page.getByRole('heading', { name: 'Today', level: 1 });
		this.sessions = page.getByRole('navigation', { name: "Today's sessions" });
		this.panel = page.locator('section[aria-labelledby="session-panel-heading"]');
		this.timer = this.panel.getByRole('timer');
		this.noteText = this.panel.getByRole('textbox', { name: 'Note text', exact: true });
		this.syncState = this.panel.locator('[data-sync-state]');
	}

	async goto(query = ''): Promise<void> {
		await this.page.goto(`/today${query}`);
		await expect(this.heading).toBeVisible();
	}

	session(clientName: string): Locator {
		return this.sessions.getByRole('link').filter({ hasText: clientName });
	}

	/** Taps (touch screens) or clicks a session and waits for its panel. */
	async open(clientName: string): Promise<void> {
		const link = this.session(clientName);
		if (await this.page.evaluate(() => navigator.maxTouchPoints > 0)) await link.tap();
		else await link.click();
		await expect(this.panel.getByRole('heading', { name: clientName, level: 2 })).toBeVisible();
	}

	button(name: string): Locator {
		return this.panel.getByRole('button', { name, exact: true });
	}

	async expectSync(text: string, timeout?: number): Promise<void> {
		await expect(this.syncState).toHaveText(text, { timeout });
	}

	/** Waits until the service worker controls this page, so its requests go through it. */
	async expectOfflineReady(): Promise<void> {
		await this.page.waitForFunction(() => navigator.serviceWorker.controller !== null);
	}
}

/** A session as `sessions.get` returns it over HTTP, as far as these tests read it. */
export type SessionOnServer = {
	status: string;
	startedAt: string | null;
	note: { body: string; version: number; template: string; signedAt: string | null } | null;
};

export async function sessionOnServer(
	request: APIRequestContext,
	id: string
): Promise<SessionOnServer> {
	const input = encodeURIComponent(JSON.stringify({ json: { id } }));
	const response = await request.get(`/api/trpc/sessions.get?input=${input}`);
	expect(response.ok(), await response.text()).toBe(true);
	const body = (await response.json()) as { result: { data: { json: SessionOnServer } } };
	return body.result.data.json;
}

/** Saves a note as another device would, over the same procedure. */
export async function saveNoteElsewhere(
	request: APIRequestContext,
	note: { sessionId: string; body: string; baseVersion: number }
): Promise<number> {
	const response = await request.post('/api/trpc/notes.save', {
		data: { json: { template: 'free', ...note } }
	});
	expect(response.ok(), await response.text()).toBe(true);
	const body = (await response.json()) as { result: { data: { json: { version: number } } } };
	return body.result.data.json.version;
}
