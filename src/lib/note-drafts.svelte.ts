import { TRPCClientError } from '@trpc/client';
import { NOTE_TEMPLATES, type NoteTemplate } from '$lib/note-templates';
import { trpc } from '$lib/trpc';

/** A note as the server has it. */
export type ServerNote = {
	version: number;
	body: string;
	template: NoteTemplate;
	signedAt: Date | null;
};

/** What this device keeps of a note the server does not have yet. */
export type KeptDraft = { body: string; template: NoteTemplate; baseVersion: number };

export type SyncState = 'saved' | 'saving' | 'offline' | 'pending' | 'conflict';

export const SYNC_STATE_TEXT: Record<SyncState, string> = {
	saved: 'Saved',
	saving: 'Saving…',
	offline: 'Offline — kept on this device, will send when back online',
	pending: 'Not sent yet',
	conflict: 'Changed on another device — choose which version to keep'
};

const KEY_PREFIX = 'sessionboard:note-draft:';
/** Autosave once typing has paused this long. */
export const AUTOSAVE_DELAY_MS = 1_200;
/** How often unsent text is offered again, for losses of connection the browser does not report. */
const RETRY_EVERY_MS = 10_000;

/** Sessions whose editor is open on this page: that editor sends their draft, not the sweep. */
// eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping that nothing renders
const openEditors = new Set<string>();

function storage(): Storage | null {
	try {
		return typeof localStorage === 'undefined' ? null : localStorage;
	} catch {
		// Some privacy settings make merely reading `localStorage` throw.
		return null;
	}
}

function isKeptDraft(value: unknown): value is KeptDraft {
	if (typeof value !== 'object' || value === null) return false;
	const draft = value as Record<string, unknown>;
	return (
		typeof draft.body === 'string' &&
		typeof draft.template === 'string' &&
		draft.template in NOTE_TEMPLATES &&
		Number.isInteger(draft.baseVersion) &&
		(draft.baseVersion as number) >= 0
	);
}

export function readDraft(sessionId: string): KeptDraft | null {
	const raw = storage()?.getItem(KEY_PREFIX + sessionId);
	if (!raw) return null;
	try {
		const value: unknown = JSON.parse(raw);
		return isKeptDraft(value) ? value : null;
	} catch {
		return null;
	}
}

/** False when the device refused (storage full or blocked): the text then lives only in memory. */
function writeDraft(sessionId: string, draft: KeptDraft): boolean {
	const store = storage();
	if (!store) return false;
	try {
		store.setItem(KEY_PREFIX + sessionId, JSON.stringify(draft));
		return true;
	} catch {
		return false;
	}
}

function removeDraft(sessionId: string): void {
	storage()?.removeItem(KEY_PREFIX + sessionId);
}

/** Ids of the sessions that have text on this device not yet on the server. */
export function keptDraftSessionIds(): string[] {
	const store = storage();
	if (!store) return [];
	const ids: string[] = [];
	for (let i = 0; i < store.length; i++) {
		const key = store.key(i);
		if (key?.startsWith(KEY_PREFIX)) ids.push(key.slice(KEY_PREFIX.length));
	}
	return ids;
}

/** The tRPC error code of a refusal, or null when no answer came back (offline, server down). */
export function refusalCode(error: unknown): string | null {
	if (!(error instanceof TRPCClientError)) return null;
	const data: unknown = error.data;
	if (typeof data !== 'object' || data === null || !('code' in data)) return null;
	return typeof data.code === 'string' ? data.code : null;
}

export function refusalMessage(error: unknown): string {
	return error instanceof Error && error.message ? error.message : 'The server refused the note.';
}

/**
 * Sends drafts kept on this device for sessions whose editor is not open (written before a reload
 * and never reopened). Conflicts and refusals stay kept until the person opens that note.
 */
export async function sendKeptDrafts(): Promise<void> {
	if (typeof navigator !== 'undefined' && !navigator.onLine) return;
	for (const sessionId of keptDraftSessionIds()) {
		if (openEditors.has(sessionId)) continue;
		const draft = readDraft(sessionId);
		if (!draft) continue;
		try {
			await trpc.notes.save.mutate({ sessionId, ...draft });
			// Only if it was not edited meanwhile in another tab.
			if (JSON.stringify(readDraft(sessionId)) === JSON.stringify(draft)) removeDraft(sessionId);
		} catch (error) {
			if (refusalCode(error) === null) return;
		}
	}
}

/**
 * One session's note while it is being written. Every change is kept in localStorage before
 * anything is sent, so neither a dropped connection nor a reload can lose it; the copy is removed
 * only once the server has confirmed that exact text. Saves name the version they were edited
 * from, and a save refused because the note changed elsewhere keeps both versions until the
 * person chooses.
 */
export class NoteDraft {
	body = $state('');
	template: NoteTemplate = $state('free');
	/** The saved version this text was edited from; 0 while the note does not exist yet. */
	baseVersion = $state(0);
	/** This device has text the server does not (also kept in localStorage). */
	unsent = $state(false);
	sending = $state(false);
	online = $state(true);
	/** The version saved elsewhere that this text collided with, until the person chooses. */
	conflict: ServerNote | null = $state(null);
	/** Why the text is not on the server yet, when that is more than a lost connection. */
	problem: string | null = $state(null);
	signing = $state(false);
	/** Signed from this editor; the server's rendered version follows with the next load. */
	signedHere = $state(false);

	readonly state: SyncState = $derived(
		this.conflict
			? 'conflict'
			: this.sending
				? 'saving'
				: !this.unsent
					? 'saved'
					: !this.online
						? 'offline'
						: 'pending'
	);

	#latest: ServerNote | null;
	#debounce: ReturnType<typeof setTimeout> | undefined;
	#inFlight: Promise<void> | null = null;
	#sendAgain = false;
	/** The server refused this exact text; resending it unchanged would be refused again. */
	#refused = false;

	/**
	 * @param sent Text a form without JavaScript sent and the server refused: kept like a draft.
	 */
	constructor(
		readonly sessionId: string,
		note: ServerNote | null,
		sent?: KeptDraft
	) {
		this.#latest = note;
		this.online = typeof navigator === 'undefined' ? true : navigator.onLine;
		const kept = readDraft(sessionId) ?? sent;
		if (kept) {
			this.body = kept.body;
			this.template = kept.template;
			this.baseVersion = kept.baseVersion;
			this.unsent = true;
		} else {
			this.#adopt(note);
		}
	}

	/** Starts sending: now if a draft was kept, and again on `online` and on a timer. */
	connect(): () => void {
		openEditors.add(this.sessionId);
		const online = () => {
			this.online = true;
			void this.save();
		};
		const offline = () => (this.online = false);
		addEventListener('online', online);
		addEventListener('offline', offline);
		const retry = setInterval(() => {
			if (this.unsent && !this.#refused) void this.save();
		}, RETRY_EVERY_MS);
		if (this.unsent) void this.save();
		return () => {
			openEditors.delete(this.sessionId);
			removeEventListener('online', online);
			removeEventListener('offline', offline);
			clearInterval(retry);
			// Leaving mid-pause: send now rather than wait for this note to be opened again.
			if (this.unsent && !this.conflict) void this.save();
		};
	}

	edit(body: string): void {
		this.body = body;
		this.#changed();
	}

	/** A template's starter headings replace the text only while it is empty or another's starter. */
	chooseTemplate(template: NoteTemplate): void {
		const untouched = this.body.trim() === '' || Object.values(NOTE_TEMPLATES).includes(this.body);
		this.template = template;
		if (untouched) this.body = NOTE_TEMPLATES[template];
		this.#changed();
	}

	/** Sends the text now. Resolves once this attempt is over, whatever its outcome. */
	save(): Promise<void> {
		clearTimeout(this.#debounce);
		if (this.#inFlight) {
			this.#sendAgain = true;
			return this.#inFlight;
		}
		if (!this.unsent || this.conflict) return Promise.resolve();
		// The browser knows it has no network: keep the draft; the `online` event sends it.
		if (typeof navigator !== 'undefined' && !navigator.onLine) {
			this.online = false;
			return Promise.resolve();
		}
		this.#inFlight = this.#send().finally(() => {
			this.#inFlight = null;
			if (this.#sendAgain) {
				this.#sendAgain = false;
				void this.save();
			}
		});
		return this.#inFlight;
	}

	/**
	 * The server's note as the page loaded it again (a live update, a socket reconnect). With no
	 * unsent text the editor follows it; with unsent text, now is a good moment to send.
	 */
	serverChanged(note: ServerNote | null): void {
		if (note && this.#latest && note.version < this.#latest.version) return;
		this.#latest = note;
		if (this.sending || this.conflict) return;
		if (this.unsent) {
			if (!this.#refused) void this.save();
			return;
		}
		// An answer loaded before our own save landed would take the text back a version.
		if (note ? note.version < this.baseVersion : this.baseVersion > 0) return;
		this.#adopt(note);
	}

	/** Conflict: put this device's text on top of the version saved elsewhere. */
	keepMine(): Promise<void> {
		const saved = this.conflict;
		if (!saved || saved.signedAt) return Promise.resolve();
		this.baseVersion = saved.version;
		this.conflict = null;
		this.#store();
		return this.save();
	}

	/** Conflict: drop this device's text for the version saved elsewhere. */
	useSaved(): void {
		const saved = this.conflict;
		if (!saved) return;
		this.conflict = null;
		this.#discardDraft();
		this.#adopt(saved);
	}

	/** Conflict with a note signed elsewhere: this device's text becomes a dated addendum. */
	async keepMineAsAddendum(): Promise<boolean> {
		const text = this.body.trim();
		if (!text) {
			this.useSaved();
			return true;
		}
		try {
			await trpc.notes.addAddendum.mutate({ sessionId: this.sessionId, body: text });
		} catch (error) {
			this.problem =
				refusalCode(error) === null
					? 'Adding an addendum needs a connection. Your text stays on this device.'
					: refusalMessage(error);
			return false;
		}
		this.problem = null;
		this.useSaved();
		return true;
	}

	/** Saves what is unsent, then signs exactly that version. */
	async sign(): Promise<boolean> {
		await this.save();
		while (this.#inFlight) await this.#inFlight;
		if (this.conflict) return false;
		if (this.unsent || this.baseVersion === 0) {
			this.problem ??= 'The note has to reach the server before it can be signed.';
			return false;
		}
		this.signing = true;
		try {
			await trpc.notes.sign.mutate({ sessionId: this.sessionId, version: this.baseVersion });
			this.signedHere = true;
			this.problem = null;
			return true;
		} catch (error) {
			const code = refusalCode(error);
			this.problem =
				code === 'CONFLICT'
					? 'The note was changed on another device. Read it again, then sign.'
					: code === null
						? 'Signing needs a connection. Try again once you are back online.'
						: refusalMessage(error);
			return false;
		} finally {
			this.signing = false;
		}
	}

	async #send(): Promise<void> {
		const sent = {
			sessionId: this.sessionId,
			body: this.body,
			template: this.template,
			baseVersion: this.baseVersion
		};
		this.sending = true;
		try {
			const saved = await trpc.notes.save.mutate(sent);
			this.baseVersion = saved.version;
			this.#latest = {
				version: saved.version,
				body: sent.body,
				template: sent.template,
				signedAt: null
			};
			this.problem = null;
			this.online = true;
			if (this.body === sent.body && this.template === sent.template) {
				this.#discardDraft();
			} else {
				// Typed while the save was on its way: the newer text follows, on top of this version.
				this.#store();
				this.#sendAgain = true;
			}
		} catch (error) {
			await this.#failed(error);
		} finally {
			this.sending = false;
		}
	}

	async #failed(error: unknown): Promise<void> {
		const code = refusalCode(error);
		if (code === 'CONFLICT') {
			const saved = await this.#savedNow();
			if (
				saved &&
				!saved.signedAt &&
				saved.body === this.body &&
				saved.template === this.template
			) {
				// Our own earlier save, whose answer was lost with the connection.
				this.baseVersion = saved.version;
				this.#discardDraft();
				return;
			}
			this.conflict = saved ?? {
				version: this.baseVersion,
				body: '',
				template: 'free',
				signedAt: null
			};
			return;
		}
		if (code === null) {
			this.online = typeof navigator === 'undefined' ? false : navigator.onLine;
			this.problem = this.online ? 'The server could not be reached; trying again.' : null;
			return;
		}
		if (code === 'UNAUTHORIZED') {
			this.problem =
				'You are signed out. Sign in again in another tab; this text stays on this device and is sent then.';
			return;
		}
		this.problem = refusalMessage(error);
		this.#refused = true;
	}

	/** The note as saved now, or the last version this page saw if the server cannot say. */
	async #savedNow(): Promise<ServerNote | null> {
		try {
			const session = await trpc.sessions.get.query({ id: this.sessionId });
			return session.note;
		} catch {
			return this.#latest;
		}
	}

	#changed(): void {
		this.unsent = true;
		this.#refused = false;
		this.problem = null;
		this.#store();
		clearTimeout(this.#debounce);
		this.#debounce = setTimeout(() => void this.save(), AUTOSAVE_DELAY_MS);
	}

	#store(): void {
		const kept = writeDraft(this.sessionId, {
			body: this.body,
			template: this.template,
			baseVersion: this.baseVersion
		});
		if (!kept) {
			this.problem = 'This device would not keep a copy (storage full or blocked): save now.';
		}
	}

	#discardDraft(): void {
		removeDraft(this.sessionId);
		this.unsent = false;
	}

	#adopt(note: ServerNote | null): void {
		this.body = note?.body ?? '';
		this.template = note?.template ?? 'free';
		this.baseVersion = note?.version ?? 0;
	}
}
