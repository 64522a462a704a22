/**
 * Short messages that say an action worked ("Saved.", "Archived — Undo") without moving the page:
 * shown by the one ToastHost in the app's layout, announced through its live region, gone after a
 * while, but not while the pointer or focus is on it. A toast with an action (Undo) stays until it
 * is used or dismissed: nobody should have to race a timer to undo.
 *
 * Client-side only: nothing calls `show` during server rendering, so the module's state is never
 * shared between requests.
 */
import { untrack } from 'svelte';

export type ToastKind = 'success' | 'error';
export type ToastAction = { label: string; run: () => unknown };
export type Toast = { id: number; text: string; kind: ToastKind; action?: ToastAction };

const SHOWN_MS = 6000;

class Toasts {
	list = $state<Toast[]>([]);
	/** How many hosts are mounted: without one, a message stays on its form instead. */
	hosts = $state(0);
	#timers = new Map<number, ReturnType<typeof setTimeout>>();
	#next = 1;

	/** Safe to call from an effect: it does not make the effect depend on the list. */
	show(text: string, options: { kind?: ToastKind; action?: ToastAction } = {}): number {
		return untrack(() => {
			// The same words again (saved twice) replace the earlier toast rather than stack.
			for (const same of this.list.filter((toast) => toast.text === text)) this.dismiss(same.id);
			const id = this.#next++;
			this.list.push({ id, text, kind: options.kind ?? 'success', action: options.action });
			this.resume(id);
			return id;
		});
	}

	dismiss(id: number): void {
		this.pause(id);
		this.list = this.list.filter((toast) => toast.id !== id);
	}

	/** Keeps a toast while someone reads it or reaches for its action. */
	pause(id: number): void {
		clearTimeout(this.#timers.get(id));
		this.#timers.delete(id);
	}

	resume(id: number): void {
		const toast = this.list.find((t) => t.id === id);
		if (!toast || toast.action) return;
		this.pause(id);
		this.#timers.set(
			id,
			setTimeout(() => this.dismiss(id), SHOWN_MS)
		);
	}
}

export const toasts = new Toasts();
